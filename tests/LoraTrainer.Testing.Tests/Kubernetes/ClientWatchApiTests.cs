using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.Builders;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

/// <summary>The product's watch entry points (typed custom resources, built-in types by path) work against the fake unmodified.</summary>
public sealed class ClientWatchApiTests
{
    [Fact]
    public async Task CustomResourceClientWatch_StreamsTypedTrainingRuns()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge("""{"status":{"phase":"training"}}"""), Group, RunVersion, "default", Plural, "a", cancellationToken: Token);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(TimeSpan.FromSeconds(10));

        var seen = false;
        await foreach (var (type, run) in new CustomResourceClient<TrainingRun>(client).WatchAsync("default", start, 60, cts.Token))
        {
            Assert.Equal(WatchEventType.Modified, type);
            Assert.Equal(TrainingPhase.Training, run.Status!.Phase);
            seen = true;
            break;
        }

        Assert.True(seen, "the watch ended without an event");
    }

    [Fact]
    public async Task BuiltInWatchByPath_SeesLeaseRenewals()
    {
        await using var server = await LoraTrainer.Testing.Kubernetes.FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        var lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "lock" }, Spec = new V1LeaseSpec { HolderIdentity = "a" } }, "default", cancellationToken: Token);
        lease.Spec.HolderIdentity = "b";
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "lock", "default", cancellationToken: Token);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(TimeSpan.FromSeconds(10));

        var seen = false;
        await foreach (var (type, changed) in KubernetesWatch.StreamAsync(client, "apis/coordination.k8s.io/v1/namespaces/default/leases", lease.Metadata.ResourceVersion, 60,
                           fieldSelector: null, "watch leases", cts.Token))
        {
            Assert.Equal(WatchEventType.Modified, type);
            Assert.Equal("b", ClusterJson.Deserialize<V1Lease>(changed).Spec.HolderIdentity);
            seen = true;
            break;
        }

        Assert.True(seen, "the watch ended without an event");
    }

    [Fact]
    public async Task Seed_KeepsAGivenUidSoOwnerReferencesCanBeWiredUpFront()
    {
        await using var server = await StartWithCrdAsync();
        var run = new TrainingRunBuilder().Named("anna", "default").Build();

        var seeded = server.Seed(run);

        Assert.Equal(run.Metadata.Uid, seeded.Metadata.Uid);
    }
}
