using System.Collections.Concurrent;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class ControllerTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    /// <summary>Copies spec.size into status.observed through the runtime's writer, recording what it saw.</summary>
    private sealed class MirrorReconciler(RuntimeHarness h, Informer<Widget> informer) : IReconciler<Widget>
    {
        private readonly ResourceWriter<Widget, WidgetStatus> _writer = new(h.Widgets);

        public ConcurrentDictionary<string, int> Runs { get; } = new();
        public Func<ResourceKey, int, Task>? During { get; set; }

        public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
        {
            var run = Runs.AddOrUpdate(key.Name, 1, (_, n) => n + 1);
            var widget = informer.Get(key);
            if (widget is null)
            {
                return ReconcileResult.Done;
            }

            if (During is not null)
            {
                await During(key, run);
            }

            await _writer.PatchStatusAsync(widget, new WidgetStatus { Observed = widget.Spec.Size, Message = "mirrored" }, cancellationToken);
            return ReconcileResult.Done;
        }
    }

    [Fact]
    public async Task AFloodOfUpdatesToOneKey_IsCoalescedAndProcessedSerially_EndingAtTheLatestSpec()
    {
        _h.Seed(Widget.Named("hot", size: 0));
        var informer = _h.Informer();
        var reconciler = new MirrorReconciler(_h, informer);
        var concurrent = 0;
        var maxConcurrent = 0;
        reconciler.During = async (_, _) =>
        {
            var now = Interlocked.Increment(ref concurrent);
            maxConcurrent = Math.Max(maxConcurrent, now);
            await Task.Delay(20);
            Interlocked.Decrement(ref concurrent);
        };
        using var stop = new CancellationTokenSource();
        var controller = _h.Controller(reconciler, informer);
        var run = controller.RunAsync(stop.Token);
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        for (var size = 1; size <= 200; size++)
        {
            _h.Seed(Widget.Named("hot", size));
        }

        await Eventually.TrueAsync(() => _h.Get("hot")?.Status?.Observed == 200, "the last spec is mirrored");
        await stop.CancelAsync();
        await run;

        Assert.Equal(1, maxConcurrent);
        Assert.True(reconciler.Runs["hot"] < 200, $"{reconciler.Runs["hot"]} reconciles for 200 updates: events were not coalesced");
    }

    [Fact]
    public async Task ServerErrorsOnWrites_AreRetriedWithBackoff_UntilTheWriteLands()
    {
        _h.Seed(Widget.Named("flaky", size: 3));
        _h.Kube.FailNextRequests("PATCH", "/apis/test.loratrainer.io/v1/namespaces/default/widgets/flaky/status", 3, 500);
        var informer = _h.Informer();
        var reconciler = new MirrorReconciler(_h, informer);
        using var stop = new CancellationTokenSource();
        var run = _h.Controller(reconciler, informer).RunAsync(stop.Token);

        await Eventually.TrueAsync(() => _h.Get("flaky")?.Status?.Observed == 3, "the write landed after the failures");
        await stop.CancelAsync();
        await run;

        Assert.True(reconciler.Runs["flaky"] >= 4);
    }

    [Fact]
    public async Task AStatusThatIsAlreadyRight_IsNotWrittenAgain()
    {
        _h.Seed(Widget.Named("steady", size: 2));
        var writer = new ResourceWriter<Widget, WidgetStatus>(_h.Widgets);
        var widget = (await _h.Widgets.GetAsync(new("default", "steady"), TestContext.Current.CancellationToken))!;
        widget = await writer.PatchStatusAsync(widget, new WidgetStatus { Observed = 2 }, TestContext.Current.CancellationToken);
        _h.Kube.ClearRequestLog();

        var again = await writer.PatchStatusAsync(widget, new WidgetStatus { Observed = 2 }, TestContext.Current.CancellationToken);

        Assert.Same(widget, again);
        Assert.DoesNotContain(_h.Kube.RequestLog, e => e.Method == "PATCH");
    }

    [Fact]
    public async Task TwoWritersConflicting_TheStaleOneGetsATypedConflictAndNothingIsLost()
    {
        _h.Seed(Widget.Named("contested", size: 1));
        var writer = new ResourceWriter<Widget, WidgetStatus>(_h.Widgets);
        var stale = (await _h.Widgets.GetAsync(new("default", "contested"), TestContext.Current.CancellationToken))!;
        await writer.PatchStatusAsync(stale, new WidgetStatus { Observed = 1, Message = "first writer" }, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<ResourceConflictException>(() => writer.PatchStatusAsync(stale, new WidgetStatus { Observed = 9 }, TestContext.Current.CancellationToken));

        Assert.Equal("first writer", _h.Get("contested")!.Status!.Message);
    }

    [Fact]
    public async Task Finalizers_AreAddedAndRemovedWithoutDroppingAnotherControllersFinalizer()
    {
        var seeded = Widget.Named("guarded");
        seeded.Metadata.Finalizers = ["other.io/keep"];
        _h.Seed(seeded);
        var writer = new ResourceWriter<Widget, WidgetStatus>(_h.Widgets);
        var widget = (await _h.Widgets.GetAsync(new("default", "guarded"), TestContext.Current.CancellationToken))!;

        widget = await writer.AddFinalizerAsync(widget, "loratrainer.io/release-gpu", TestContext.Current.CancellationToken);
        Assert.Equal(["other.io/keep", "loratrainer.io/release-gpu"], _h.Get("guarded")!.Metadata.Finalizers);

        var changed = Widget.Named("guarded", size: 7);
        changed.Metadata.Finalizers = ["other.io/keep", "loratrainer.io/release-gpu"];
        _h.Seed(changed);
        await Assert.ThrowsAsync<ResourceInvalidException>(() => writer.RemoveFinalizerAsync(widget, "loratrainer.io/release-gpu", TestContext.Current.CancellationToken));

        var fresh = (await _h.Widgets.GetAsync(new("default", "guarded"), TestContext.Current.CancellationToken))!;
        await writer.RemoveFinalizerAsync(fresh, "loratrainer.io/release-gpu", TestContext.Current.CancellationToken);
        Assert.Equal(["other.io/keep"], _h.Get("guarded")!.Metadata.Finalizers);
    }

    [Fact]
    public async Task ShutdownDuringAReconcile_LetsTheReconcileFinish()
    {
        _h.Seed(Widget.Named("slow", size: 4));
        var informer = _h.Informer();
        var reconciler = new MirrorReconciler(_h, informer);
        var started = new TaskCompletionSource();
        reconciler.During = async (_, _) =>
        {
            started.TrySetResult();
            await Task.Delay(300);
        };
        using var stop = new CancellationTokenSource();
        var run = _h.Controller(reconciler, informer).RunAsync(stop.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(4, _h.Get("slow")!.Status?.Observed);
    }

    [Fact]
    public async Task RequeueAfter_ReconcilesAgainWithoutAnyChange()
    {
        _h.Seed(Widget.Named("timer"));
        var informer = _h.Informer();
        var runs = 0;
        var reconciler = new DelegateReconciler(_ => Interlocked.Increment(ref runs) < 3 ? ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(50)) : ReconcileResult.Done);
        using var stop = new CancellationTokenSource();
        var run = _h.Controller(reconciler, informer).RunAsync(stop.Token);

        await Eventually.TrueAsync(() => Volatile.Read(ref runs) >= 3, "three reconciles from requeues");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ALostWriteRace_IsReconciledAgain_AndCountedAsAConflictNotAnError()
    {
        _h.Seed(Widget.Named("raced"));
        var runs = 0;
        var reconciler = new DelegateReconciler(_ => Interlocked.Increment(ref runs) == 1
            ? throw new ResourceConflictException("the object has been modified")
            : ReconcileResult.Done);
        using var stop = new CancellationTokenSource();
        var name = $"raced-{Guid.NewGuid():N}";
        var controller = new Controller<Widget>(name, _h.Informer(), reconciler, new ControllerOptions { Workers = 1, BaseRetryDelay = TimeSpan.FromMilliseconds(10) },
            TimeProvider.System, _h.Metrics, Microsoft.Extensions.Logging.Abstractions.NullLogger<Controller<Widget>>.Instance);
        var run = controller.RunAsync(stop.Token);

        await Eventually.TrueAsync(() => Volatile.Read(ref runs) >= 2, "the key is reconciled again after the conflict");
        await stop.CancelAsync();
        await run;

        Assert.Equal(1, ReconcileCount(name, "conflict"));
        Assert.Equal(0, ReconcileCount(name, "error"));
    }

    private static double ReconcileCount(string controller, string result) =>
        Prometheus.Metrics.CreateCounter("loratrainer_reconciles_total", "Reconciles by controller and result (done, requeue, conflict, error, cancelled).", "controller", "result")
            .WithLabels(controller, result).Value;

    private sealed class DelegateReconciler(Func<ResourceKey, ReconcileResult> reconcile) : IReconciler<Widget>
    {
        public Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken) => Task.FromResult(reconcile(key));
    }
}
