using System.Collections.Concurrent;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class InformerTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;
    private readonly CancellationTokenSource _stop = new();

    public async ValueTask InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
        await _h.DisposeAsync();
    }

    [Fact]
    public async Task Informer_ListsExistingObjects_ThenFollowsAddsUpdatesAndDeletes()
    {
        _h.Seed(Widget.Named("a"));
        _h.Seed(Widget.Named("b"));
        var informer = _h.Informer();
        var changes = new ConcurrentQueue<ResourceKey>();
        informer.Changed += changes.Enqueue;
        var run = informer.RunAsync(_stop.Token);

        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["a", "b"], informer.List().Select(w => w.Metadata.Name).Order());

        _h.Seed(Widget.Named("c"));
        _h.Seed(Widget.Named("a", size: 5));
        _h.Kube.Delete("test.loratrainer.io/v1", "Widget", "default", "b");

        await Eventually.UntilAsync(() => informer.Get(new("default", "a"))?.Spec.Size == 5 && informer.Get(new("default", "b")) is null && informer.Get(new("default", "c")) is not null,
            RuntimeHarness.Patience, "the cache follows the changes", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(new ResourceKey("default", "b"), changes);
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task WatchesDroppedMidStream_AreResumedFromTheLastResourceVersion_WithoutLosingOrRepeatingAnEvent()
    {
        var informer = _h.Informer();
        var changes = new ConcurrentDictionary<string, int>();
        var seenVersions = new ConcurrentBag<string>();
        informer.Changed += key =>
        {
            changes.AddOrUpdate(key.Name, 1, (_, n) => n + 1);
            if (informer.Get(key)?.Metadata.ResourceVersion is { } version)
            {
                seenVersions.Add(version);
            }
        };
        var run = informer.RunAsync(_stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        for (var i = 0; i < 20; i++)
        {
            if (i % 5 == 0)
            {
                await Eventually.UntilAsync(() => _h.Kube.ActiveWatchCount == 1, RuntimeHarness.Patience, "the informer watches again",
                    cancellationToken: TestContext.Current.CancellationToken);
            }

            _h.Seed(Widget.Named($"w{i}", size: i));
            if (i % 5 == 0)
            {
                _h.Kube.DropAllWatches(abortConnections: i % 10 == 0);
            }
        }

        await Eventually.UntilAsync(() => informer.List().Count == 20 && informer.Get(new("default", "w19"))?.Spec.Size == 19, RuntimeHarness.Patience, "all 20 widgets are cached",
            cancellationToken: TestContext.Current.CancellationToken);
        await _stop.CancelAsync();
        await run;

        var requests = _h.Kube.RequestLog.Where(e => e.Method == "GET" && e.Path == "/apis/test.loratrainer.io/v1/widgets").ToList();
        var list = Assert.Single(requests, e => !e.IsWatch);
        var watches = requests.Where(e => e.IsWatch).Select(e => long.Parse(QueryValue(e.Query, "resourceVersion"), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(watches.Count >= 5, $"only {watches.Count} watches for 4 drops");
        // Each watch resumes where the cache stood: the list's version, then the version of an event it had seen.
        Assert.Equal(watches.Order(), watches);
        var known = seenVersions.Select(v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).Append(watches[0]).ToHashSet();
        Assert.All(watches, v => Assert.Contains(v, known));
        Assert.All(Enumerable.Range(0, 20), i => Assert.Equal(1, changes.GetValueOrDefault($"w{i}")));
    }

    [Fact]
    public async Task AWatchRefusedWith410_ReListsInsteadOfRetryingTheStaleResourceVersion()
    {
        _h.Seed(Widget.Named("keep"));
        _h.Seed(Widget.Named("gone"));
        var informer = _h.Informer();
        var changes = new ConcurrentQueue<ResourceKey>();
        informer.Changed += changes.Enqueue;
        var run = informer.RunAsync(_stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => _h.Kube.RequestLog.Any(e => e.IsWatch && e.Path == "/apis/test.loratrainer.io/v1/widgets"), RuntimeHarness.Patience, "the informer watches",
            cancellationToken: TestContext.Current.CancellationToken);

        // The next watch request itself is answered 410 (not an ERROR event in a stream), as for a very old resourceVersion.
        _h.Kube.FailNextRequests(new RequestMatcher("GET", "/apis/test.loratrainer.io/v1/widgets", WatchOnly: true), 1, 410);
        _h.Kube.Delete("test.loratrainer.io/v1", "Widget", "default", "gone");
        _h.Kube.DropAllWatches(abortConnections: true);
        _h.Seed(Widget.Named("new"));

        await Eventually.UntilAsync(() => informer.Get(new("default", "gone")) is null && informer.Get(new("default", "new")) is not null, RuntimeHarness.Patience, "the informer caught up",
            cancellationToken: TestContext.Current.CancellationToken);
        await _stop.CancelAsync();
        await run;

        var requests = _h.Kube.RequestLog.Where(e => e.Method == "GET" && e.Path == "/apis/test.loratrainer.io/v1/widgets").ToList();
        var refused = requests.FindIndex(e => e.IsWatch && e.StatusCode == 410);
        Assert.True(refused >= 0, "no watch was answered 410");
        Assert.False(requests[refused + 1].IsWatch, $"after the 410 the informer sent {requests[refused + 1]} instead of listing again");
        Assert.DoesNotContain(requests.Skip(refused + 1), e => e.IsWatch && QueryValue(e.Query, "resourceVersion") == QueryValue(requests[refused].Query, "resourceVersion"));
        Assert.Contains(new ResourceKey("default", "gone"), changes);
    }

    [Fact]
    public async Task AnObjectThatCannotBeRead_IsSkippedAndLoggedByName_WhileTheOthersKeepArriving()
    {
        const string tooBig = "3000000000";
        _h.Seed(Widget.Named("good-1"));
        _h.Kube.Seed(Unreadable("bad-1", tooBig));
        var log = new FakeLogger<CustomResourceClient<Widget>>();
        var informer = new Informer<Widget>(new CustomResourceClient<Widget>(_h.Client, log), new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(20) },
            TimeProvider.System, _h.Metrics, NullLogger<Informer<Widget>>.Instance);
        var run = informer.RunAsync(_stop.Token);

        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(["good-1"], informer.List().Select(w => w.Metadata.Name));
        _h.Kube.Seed(Unreadable("bad-2", tooBig));
        _h.Seed(Widget.Named("good-2"));
        await Eventually.UntilAsync(() => informer.Get(new("default", "good-2")) is not null, RuntimeHarness.Patience, "a readable widget after the unreadable one arrives",
            cancellationToken: TestContext.Current.CancellationToken);
        await _stop.CancelAsync();
        await run;

        var warnings = log.Collector.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.Contains(warnings, m => m.Contains("default/bad-1", StringComparison.Ordinal));
        Assert.Contains(warnings, m => m.Contains("default/bad-2", StringComparison.Ordinal));
        Assert.DoesNotContain(warnings, m => m.Contains(tooBig, StringComparison.Ordinal));
        Assert.Single(_h.Kube.RequestLog, e => e.Method == "GET" && e.Path == "/apis/test.loratrainer.io/v1/widgets" && !e.IsWatch);
        Assert.Null(informer.Get(new("default", "bad-1")));
    }

    [Fact]
    public async Task AServerThatKeepsResettingWatches_IsRetriedWithGrowingPauses_NotInATightLoop()
    {
        var informer = _h.Informer();
        var run = informer.RunAsync(_stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var watches = new RequestMatcher("GET", "/apis/test.loratrainer.io/v1/widgets", WatchOnly: true);
        _h.Kube.ResetNextRequests(watches, 100_000);
        _h.Kube.ClearRequestLog();

        _h.Kube.DropAllWatches(abortConnections: true);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        var attempts = _h.Kube.RequestLog.Count(e => e.IsWatch);
        _h.Kube.ClearFaults();
        _h.Seed(Widget.Named("after-resets"));

        await Eventually.UntilAsync(() => informer.Get(new("default", "after-resets")) is not null, RuntimeHarness.Patience, "the informer recovers once the server answers again",
            cancellationToken: TestContext.Current.CancellationToken);
        await _stop.CancelAsync();
        await run;
        Assert.InRange(attempts, 2, 40);
    }

    /// <summary>A widget whose size does not fit the Widget class's int (a real API server stores it: the schema says integer).</summary>
    private static System.Text.Json.Nodes.JsonObject Unreadable(string name, string size) => new()
    {
        ["apiVersion"] = "test.loratrainer.io/v1",
        ["kind"] = "Widget",
        ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new System.Text.Json.Nodes.JsonObject { ["size"] = System.Text.Json.Nodes.JsonNode.Parse(size) },
    };

    private static string QueryValue(string query, string name) =>
        System.Web.HttpUtility.ParseQueryString(query)[name] ?? "";

    [Fact]
    public async Task HistoryCompactedWhileDisconnected_ReListsAndEmitsDeletesForVanishedObjects()
    {
        _h.Seed(Widget.Named("keep"));
        _h.Seed(Widget.Named("gone"));
        var informer = _h.Informer();
        var changes = new ConcurrentQueue<ResourceKey>();
        informer.Changed += changes.Enqueue;
        var run = informer.RunAsync(_stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        _h.Kube.FailNextRequests("GET", "/apis/test.loratrainer.io/v1/widgets", 3, 500);

        _h.Kube.DropAllWatches(abortConnections: true);
        _h.Kube.Delete("test.loratrainer.io/v1", "Widget", "default", "gone");
        _h.Seed(Widget.Named("new"));
        _h.Kube.CompactHistory();

        await Eventually.UntilAsync(() => informer.Get(new("default", "gone")) is null && informer.Get(new("default", "new")) is not null, RuntimeHarness.Patience, "the informer re-listed after 410",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains(new ResourceKey("default", "gone"), changes);
        Assert.NotNull(informer.Get(new("default", "keep")));
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task AFirstListThatFails_IsRetriedUntilItSyncs()
    {
        _h.Seed(Widget.Named("a"));
        _h.Kube.FailNextRequests("GET", "/apis/test.loratrainer.io/v1/widgets", 4, 503);
        var informer = _h.Informer();

        var run = informer.RunAsync(_stop.Token);

        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.NotNull(informer.Get(new("default", "a")));
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ASilentWatch_IsRestartedByTheWatchdog()
    {
        var informer = _h.Informer(new() { MinWatchTimeout = TimeSpan.FromSeconds(1), WatchdogSlack = TimeSpan.FromMilliseconds(200), InitialBackoff = TimeSpan.FromMilliseconds(20) });
        var run = informer.RunAsync(_stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        _h.Kube.AddLatency(new RequestMatcher("GET", "/apis/test.loratrainer.io/v1/widgets", WatchOnly: true), TimeSpan.FromSeconds(30));
        _h.Kube.DropAllWatches(abortConnections: true);
        _h.Seed(Widget.Named("after-silence"));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        _h.Kube.ClearFaults();

        await Eventually.UntilAsync(() => informer.Get(new("default", "after-silence")) is not null, TimeSpan.FromSeconds(15), "a watch delivered the widget",
            cancellationToken: TestContext.Current.CancellationToken);
        await _stop.CancelAsync();
        await run;
    }
}
