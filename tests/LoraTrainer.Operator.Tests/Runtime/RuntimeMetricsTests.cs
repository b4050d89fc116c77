using LoraTrainer.Operator.Runtime;
using Prometheus;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class RuntimeMetricsTests
{
    [Fact]
    public async Task QueueDepth_FollowsTheLatestRunOfAController_AndReadsZeroOnceItStops()
    {
        var metrics = new RuntimeMetrics();
        var controller = $"queue-{Guid.NewGuid():N}";

        var first = metrics.ObserveQueue(controller, () => 7);
        Assert.Equal("7", await ScrapeAsync(controller));

        // A regained leadership runs the controller again with a new queue: the old one must not be read any more.
        var second = metrics.ObserveQueue(controller, () => 3);
        first.Dispose();
        Assert.Equal("3", await ScrapeAsync(controller));

        second.Dispose();
        Assert.Equal("0", await ScrapeAsync(controller));
    }

    [Theory]
    [InlineData("GET", "/apis/loratrainer.io/v1alpha1/trainingruns?limit=500", "list")]
    [InlineData("GET", "/apis/loratrainer.io/v1alpha1/namespaces/ml-team/trainingruns?limit=500", "list")]
    [InlineData("GET", "/apis/loratrainer.io/v1alpha1/namespaces/ml-team/trainingruns?watch=true&resourceVersion=42", "watch")]
    [InlineData("GET", "/apis/loratrainer.io/v1alpha1/namespaces/ml-team/trainingruns/portrait", "get")]
    [InlineData("GET", "/api/v1/namespaces/ml-team/secrets/portrait-agent", "get")]
    [InlineData("GET", "/api/v1/namespaces", "list")]
    [InlineData("GET", "/api/v1/namespaces/ml-team", "get")]
    [InlineData("GET", "/api/v1/watch/namespaces/ml-team/events", "watch")]
    [InlineData("GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/loratrainer-operator", "get")]
    [InlineData("GET", "/version", "get")]
    [InlineData("POST", "/api/v1/namespaces/ml-team/events", "create")]
    [InlineData("PUT", "/apis/coordination.k8s.io/v1/namespaces/default/leases/loratrainer-operator", "update")]
    [InlineData("PATCH", "/apis/loratrainer.io/v1alpha1/namespaces/ml-team/trainingruns/portrait/status", "patch")]
    [InlineData("DELETE", "/api/v1/namespaces/ml-team/secrets/portrait-agent", "delete")]
    [InlineData("DELETE", "/api/v1/namespaces/ml-team/secrets?labelSelector=a%3Db", "deletecollection")]
    public void Verb_NamesTheKubernetesVerbOfARequest(string method, string pathAndQuery, string verb) =>
        Assert.Equal(verb, ApiRequestMetricsHandler.Verb(new HttpMethod(method), new Uri(new Uri("https://10.0.0.1:6443"), pathAndQuery)));

    [Fact]
    public async Task ARequestThatTimesOut_IsCountedAsATimeout_AndListsAreCountedAsLists()
    {
        await using var h = await RuntimeHarness.StartAsync();
        h.Seed(Widget.Named("w"));
        using var client = h.ClientWithTimeout(TimeSpan.FromSeconds(1));
        var widgets = new LoraTrainer.Cluster.CustomResourceClient<Widget>(client);
        h.Kube.AddLatency(new LoraTrainer.Testing.Kubernetes.RequestMatcher("GET", "/apis/test.loratrainer.io/v1/namespaces/default/widgets/w"), TimeSpan.FromSeconds(10));
        var timeouts = RuntimeHarness.ApiRequestCount("get", "timeout");
        var lists = RuntimeHarness.ApiRequestCount("list", "200");

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => widgets.GetAsync(new("default", "w"), TestContext.Current.CancellationToken));
        await widgets.ListAsync("default", TestContext.Current.CancellationToken);

        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal("The Kubernetes API did not answer GET /apis/test.loratrainer.io/v1/namespaces/default/widgets/w within 1s.", error.Message);
        Assert.True(RuntimeHarness.ApiRequestCount("get", "timeout") > timeouts, "the timed-out GET was not counted as a timeout");
        Assert.True(RuntimeHarness.ApiRequestCount("list", "200") > lists, "the LIST was not counted as a list");
    }

    private static async Task<string> ScrapeAsync(string controller)
    {
        using var stream = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream, TestContext.Current.CancellationToken);
        var prefix = $"loratrainer_workqueue_depth{{controller=\"{controller}\"}} ";
        var line = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line[prefix.Length..];
    }
}
