using System.Net;
using k8s;
using k8s.Autorest;
using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class TestHooksTests
{
    [Fact]
    public async Task Seed_KeepsStatusAndCreatesTheNamespace_AndGetReadsItBack()
    {
        await using var server = await StartWithCrdAsync();
        var run = new TrainingRunBuilder().Named("portrait", "ml-team").InPhase(TrainingPhase.Training).Build();

        var seeded = server.Seed(run);
        var read = server.Get<TrainingRun>("ml-team", "portrait");

        Assert.Equal(TrainingPhase.Training, seeded.Status!.Phase);
        Assert.Equal(seeded.Metadata.ResourceVersion, read!.Metadata.ResourceVersion);
        Assert.NotNull(server.Get("v1", "Namespace", null, "ml-team"));
        Assert.Equal(["portrait"], server.List<TrainingRun>("ml-team").Select(r => r.Metadata.Name));
    }

    [Fact]
    public async Task Seed_OfAnInvalidRun_FailsWithTheApiserversMessage()
    {
        await using var server = await StartWithCrdAsync();
        var run = Run("anna");
        run["spec"]!["dataset"]!["repeats"] = 0;

        var error = Assert.Throws<InvalidOperationException>(() => server.Seed(run));

        Assert.Contains("spec.dataset.repeats in body should be greater than or equal to 1", error.Message);
    }

    [Fact]
    public async Task WaitForAsync_ReturnsWhenAClientChangeSatisfiesThePredicate()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var waiting = server.WaitForAsync<TrainingRun>("default", "anna", r => r.Status?.Phase == TrainingPhase.Completed, cancellationToken: Token);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge("""{"status":{"phase":"training"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);
        Assert.False(waiting.IsCompleted);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge("""{"status":{"phase":"completed"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        var completed = await waiting;
        Assert.Equal(TrainingPhase.Completed, completed.Status!.Phase);
    }

    [Fact]
    public async Task WaitForAsync_WhenTheConditionNeverHolds_TimesOutWithTheLastStatus()
    {
        await using var server = await StartWithCrdAsync();
        server.Seed(new TrainingRunBuilder().Named("anna", "default").InPhase(TrainingPhase.PendingGpu).Build());

        var error = await Assert.ThrowsAsync<TimeoutException>(() => server.WaitForAsync<TrainingRun>("default", "anna",
            r => r.Status?.Phase == TrainingPhase.Completed, TimeSpan.FromMilliseconds(200), Token));

        Assert.Contains("pendingGpu", error.Message);
        Assert.Equal(0, server.ActiveWatchCount);
    }

    [Fact]
    public async Task FailNextRequests_FailsExactlyTheMatchingRequestsThenRecovers()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");
        server.FailNextRequests("PATCH", "/apis/loratrainer.io/v1alpha1/namespaces/*/trainingruns/*/status", count: 2, statusCode: 503);
        Task PatchStatusAsync() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge("""{"status":{"phase":"training"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        var first = await Assert.ThrowsAsync<HttpOperationException>(PatchStatusAsync);
        await GetRunAsync(client, "anna");
        var second = await Assert.ThrowsAsync<HttpOperationException>(PatchStatusAsync);
        await PatchStatusAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.Response.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.Response.StatusCode);
        Assert.Equal("training", (await GetRunAsync(client, "anna"))["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public void RequestMatcher_CopiedWithAnotherPattern_MatchesTheNewPatternAndComparesByValue()
    {
        var leases = new RequestMatcher("PUT", "/apis/coordination.k8s.io/v1/namespaces/*/leases/*");

        var secrets = leases with { PathPattern = "/api/v1/namespaces/*/secrets/**" };

        Assert.True(secrets.Matches("PUT", "/api/v1/namespaces/default/secrets/run-token", isWatch: false));
        Assert.False(secrets.Matches("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/op", isWatch: false));
        Assert.True(leases.Matches("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/op", isWatch: false));
        Assert.Equal(new RequestMatcher("PUT", "/api/v1/namespaces/*/secrets/**"), secrets);
    }

    [Fact]
    public async Task AddLatency_DelaysMatchingRequests()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        server.AddLatency(new RequestMatcher("GET", "/api/v1/namespaces/*"), TimeSpan.FromMilliseconds(300));
        var started = TimeProvider.System.GetTimestamp();

        await client.CoreV1.ReadNamespaceAsync("default", cancellationToken: Token);
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        server.ClearFaults();

        Assert.True(elapsed >= TimeSpan.FromMilliseconds(290), $"took {elapsed}");
    }

    [Fact]
    public async Task RequestLog_RecordsMethodPathQueryAndStatusButNoBodies()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        server.ClearRequestLog();
        await client.CoreV1.CreateNamespacedSecretAsync(new k8s.Models.V1Secret { Metadata = new() { Name = "s" }, StringData = new Dictionary<string, string> { ["key"] = "super-secret-value" } }, "default", cancellationToken: Token);
        await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedSecretAsync("missing", "default", cancellationToken: Token));

        var log = server.RequestLog;

        Assert.Equal(["POST /api/v1/namespaces/default/secrets -> 201", "GET /api/v1/namespaces/default/secrets/missing -> 404"], log.Select(e => e.ToString()));
        Assert.DoesNotContain(log, e => e.ToString().Contains("super-secret-value", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequestLog_RecordsTheUserOfAKnownBearerToken_AndNoUserForOthers()
    {
        await using var server = await StartWithCrdAsync(new FakeKubeApiServerOptions { Users = new Dictionary<string, string> { ["operator-token"] = "operator" } });
        using var known = new k8s.Kubernetes(KubeconfigClient(server, "operator-token"));
        using var unknown = new k8s.Kubernetes(KubeconfigClient(server, "someone-else"));
        server.ClearRequestLog();

        await known.CoreV1.ReadNamespaceAsync("default", cancellationToken: Token);
        await unknown.CoreV1.ReadNamespaceAsync("default", cancellationToken: Token);

        Assert.Equal(["operator", null], server.RequestLog.Select(e => e.User));
        Assert.DoesNotContain(server.RequestLog, e => e.ToString().Contains("operator-token", StringComparison.Ordinal));
    }

    private static KubernetesClientConfiguration KubeconfigClient(FakeKubeApiServer server, string token)
    {
        using var kubeconfig = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Kubeconfig.For(server.BaseAddress, token: token)));
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
    }
}
