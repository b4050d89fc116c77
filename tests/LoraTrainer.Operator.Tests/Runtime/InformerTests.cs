using System.Collections.Concurrent;
using LoraTrainer.Cluster;

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

        await Eventually.TrueAsync(() => informer.Get(new("default", "a"))?.Spec.Size == 5 && informer.Get(new("default", "b")) is null && informer.Get(new("default", "c")) is not null,
            "the cache follows the changes");
        Assert.Contains(new ResourceKey("default", "b"), changes);
        await _stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task WatchesDroppedMidStream_AreResumedWithoutLosingAnEvent()
    {
        var informer = _h.Informer();
        var run = informer.RunAsync(_stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        for (var i = 0; i < 20; i++)
        {
            _h.Seed(Widget.Named($"w{i}", size: i));
            if (i % 5 == 0)
            {
                _h.Kube.DropAllWatches(abortConnections: i % 10 == 0);
            }
        }

        await Eventually.TrueAsync(() => informer.List().Count == 20 && informer.Get(new("default", "w19"))?.Spec.Size == 19, "all 20 widgets are cached");
        await _stop.CancelAsync();
        await run;
    }

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

        await Eventually.TrueAsync(() => informer.Get(new("default", "gone")) is null && informer.Get(new("default", "new")) is not null, "the informer re-listed after 410");
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
        _h.Kube.AddLatency(new Testing.Kubernetes.RequestMatcher("GET", "/apis/test.loratrainer.io/v1/widgets", WatchOnly: true), TimeSpan.FromSeconds(30));
        _h.Kube.DropAllWatches(abortConnections: true);
        _h.Seed(Widget.Named("after-silence"));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        _h.Kube.ClearFaults();

        await Eventually.TrueAsync(() => informer.Get(new("default", "after-silence")) is not null, "a watch delivered the widget", TimeSpan.FromSeconds(15));
        await _stop.CancelAsync();
        await run;
    }
}
