using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Benchmarks.Fixtures;

/// <summary>The Kubernetes API fake with the TrainingRun CRD from config/crds and a number of pending runs, and a client for it.</summary>
internal sealed class SeededCluster : IAsyncDisposable
{
    public const string Namespace = "bench";

    private SeededCluster(FakeKubeApiServer kube, IReadOnlyList<ResourceKey> keys, TimeSpan seedTime)
    {
        Kube = kube;
        Keys = keys;
        SeedTime = seedTime;
        Client = kube.CreateClient();
        Runs = new CustomResourceClient<TrainingRun>(Client);
    }

    public FakeKubeApiServer Kube { get; }

    /// <summary>A KubernetesClient pointed at the fake (one HttpClient, as the operator has).</summary>
    public k8s.Kubernetes Client { get; }

    public CustomResourceClient<TrainingRun> Runs { get; }

    /// <summary>The seeded runs, in name order.</summary>
    public IReadOnlyList<ResourceKey> Keys { get; }

    /// <summary>How long seeding the objects in-process took (no HTTP).</summary>
    public TimeSpan SeedTime { get; }

    public static async Task<SeededCluster> StartAsync(int objects, FakeKubeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var kube = await FakeKubeApiServer.StartAsync(options, cancellationToken);
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        var started = TimeProvider.System.GetTimestamp();
        var keys = new List<ResourceKey>(objects);
        for (var i = 0; i < objects; i++)
        {
            var run = new TrainingRunBuilder().Named($"run-{i:D5}", Namespace).InPhase(TrainingPhase.Pending).Build();
            run.Metadata.Uid = null;
            keys.Add(ResourceKey.Of(kube.Seed(run)));
        }

        return new SeededCluster(kube, keys, TimeProvider.System.GetElapsedTime(started));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Kube.DisposeAsync();
    }
}
