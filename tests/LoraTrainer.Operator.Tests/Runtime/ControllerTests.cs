using System.Collections.Concurrent;
using k8s.Models;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class ControllerTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    /// <summary>Copies spec.size into status.observed through the runtime's writer, recording what it saw.</summary>
    private sealed class MirrorReconciler(RuntimeHarness h, Informer<Widget> informer, CustomResourceClient<Widget>? widgets = null) : IReconciler<Widget>
    {
        private readonly ResourceWriter<Widget, WidgetStatus> _writer = new(widgets ?? h.Widgets);

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

        await Eventually.UntilAsync(() => _h.Get("hot")?.Status?.Observed == 200, RuntimeHarness.Patience, "the last spec is mirrored",
            cancellationToken: TestContext.Current.CancellationToken);
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

        await Eventually.UntilAsync(() => _h.Get("flaky")?.Status?.Observed == 3, RuntimeHarness.Patience, "the write landed after the failures",
            cancellationToken: TestContext.Current.CancellationToken);
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
        await Assert.ThrowsAsync<ResourceConflictException>(() => writer.RemoveFinalizerAsync(widget, "loratrainer.io/release-gpu", TestContext.Current.CancellationToken));

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

        await Eventually.UntilAsync(() => Volatile.Read(ref runs) >= 3, RuntimeHarness.Patience, "three reconciles from requeues",
            cancellationToken: TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ALostWriteRace_IsReconciledAgain_AndCountedAsAConflictNotAnError()
    {
        _h.Seed(Widget.Named("raced", size: 1));
        var informer = _h.Informer();
        var reconciler = new MirrorReconciler(_h, informer);
        var key = new ResourceKey("default", "raced");
        // Another writer changes the object after the reconcile read it from the cache and before it writes.
        reconciler.During = async (_, run) =>
        {
            if (run == 1)
            {
                await _h.Widgets.PatchAsync(key, new V1Patch("""{"spec":{"size":7}}""", V1Patch.PatchType.MergePatch), CancellationToken.None);
            }
        };
        var name = $"raced-{Guid.NewGuid():N}";
        using var stop = new CancellationTokenSource();
        var run = _h.Controller(reconciler, informer, name: name).RunAsync(stop.Token);

        await Eventually.UntilAsync(() => _h.Get("raced")?.Status?.Observed == 7, RuntimeHarness.Patience, "the reconcile after the conflict mirrors the other writer's spec",
            cancellationToken: TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run;

        Assert.Contains(_h.Kube.RequestLog, e => e.Method == "PATCH" && e.Path.EndsWith("/raced/status", StringComparison.Ordinal) && e.StatusCode == 409);
        Assert.True(RuntimeHarness.ReconcileCount(name, "conflict") >= 1, "the 409 was not counted as a conflict");
        Assert.Equal(0, RuntimeHarness.ReconcileCount(name, "error"));
        Assert.Equal(7, _h.Get("raced")!.Spec.Size);
    }

    [Fact]
    public async Task AStaleFinalizerPatch_IsAConflict_RetriedUntilTheFinalizerIsAdded()
    {
        _h.Seed(Widget.Named("fenced"));
        var informer = _h.Informer();
        var writer = new ResourceWriter<Widget, WidgetStatus>(_h.Widgets);
        var key = new ResourceKey("default", "fenced");
        var runs = 0;
        var reconciler = new ScriptedReconciler(async (k, ct) =>
        {
            var widget = informer.Get(k);
            if (widget is null)
            {
                return ReconcileResult.Done;
            }

            if (Interlocked.Increment(ref runs) == 1)
            {
                // Someone else adds their finalizer between our read and our guarded patch: its test fails (422).
                await _h.Widgets.PatchAsync(key, new V1Patch("""{"metadata":{"finalizers":["other.io/keep"]}}""", V1Patch.PatchType.MergePatch), CancellationToken.None);
            }

            await writer.AddFinalizerAsync(widget, "loratrainer.io/release-gpu", ct);
            return ReconcileResult.Done;
        });
        var name = $"fenced-{Guid.NewGuid():N}";
        using var stop = new CancellationTokenSource();
        var run = _h.Controller(reconciler, informer, name: name).RunAsync(stop.Token);

        await Eventually.UntilAsync(() => _h.Get("fenced")?.Metadata.Finalizers?.Contains("loratrainer.io/release-gpu") == true, RuntimeHarness.Patience, "the finalizer is added on a fresh read",
            cancellationToken: TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run;

        Assert.Contains(_h.Kube.RequestLog, e => e.Method == "PATCH" && e.Path.EndsWith("/fenced", StringComparison.Ordinal) && e.StatusCode == 422);
        Assert.Equal(["other.io/keep", "loratrainer.io/release-gpu"], _h.Get("fenced")!.Metadata.Finalizers);
        Assert.True(RuntimeHarness.ReconcileCount(name, "conflict") >= 1, "the failed test was not counted as a conflict");
        Assert.Equal(0, RuntimeHarness.ReconcileCount(name, "error"));
    }

    [Fact]
    public async Task AStatusWriteThatTimesOut_IsRetried_UntilItLands()
    {
        _h.Seed(Widget.Named("slow-write", size: 3));
        using var client = _h.ClientWithTimeout(TimeSpan.FromSeconds(1));
        var widgets = new CustomResourceClient<Widget>(client);
        var informer = _h.Informer();
        var reconciler = new MirrorReconciler(_h, informer, widgets);
        var statusPath = "/apis/test.loratrainer.io/v1/namespaces/default/widgets/slow-write/status";
        _h.Kube.AddLatency(new RequestMatcher("PATCH", statusPath), TimeSpan.FromSeconds(5));
        var timeoutsBefore = RuntimeHarness.ApiRequestCount("patch", "timeout");
        var name = $"slow-{Guid.NewGuid():N}";
        using var stop = new CancellationTokenSource();
        var run = _h.Controller(reconciler, informer, name: name).RunAsync(stop.Token);

        await Eventually.UntilAsync(() => RuntimeHarness.ReconcileCount(name, "error") >= 1, RuntimeHarness.Patience, "a reconcile fails on the timed-out write",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Null(_h.Get("slow-write")!.Status);
        _h.Kube.ClearFaults();
        await Eventually.UntilAsync(() => _h.Get("slow-write")?.Status?.Observed == 3, RuntimeHarness.Patience, "a retry writes the status",
            cancellationToken: TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run;

        Assert.True(RuntimeHarness.ApiRequestCount("patch", "timeout") > timeoutsBefore, "the timed-out PATCH was not counted as a timeout");
    }

    [Fact]
    public async Task AWriteThatLandedButWhoseAnswerWasLost_IsRetried_AndAppliedOnlyOnce()
    {
        _h.Seed(Widget.Named("lost-answer"));
        using var client = _h.ClientWithTimeout(TimeSpan.FromSeconds(1));
        var widgets = new CustomResourceClient<Widget>(client);
        var informer = _h.Informer();
        var writer = new ResourceWriter<Widget, WidgetStatus>(widgets);
        // Not idempotent on purpose: each write counts one more. Applied twice, the count would read 2.
        var reconciler = new ScriptedReconciler(async (key, ct) =>
        {
            var widget = informer.Get(key);
            if (widget is null || widget.Status?.Message == "counted")
            {
                return ReconcileResult.Done;
            }

            await writer.PatchStatusAsync(widget, new WidgetStatus { Observed = (widget.Status?.Observed ?? 0) + 1, Message = "counted" }, ct);
            return ReconcileResult.Done;
        });
        var statusPath = "/apis/test.loratrainer.io/v1/namespaces/default/widgets/lost-answer/status";
        _h.Kube.LoseNextAnswers(new RequestMatcher("PATCH", statusPath), 1);
        var name = $"lost-{Guid.NewGuid():N}";
        using var stop = new CancellationTokenSource();
        var run = _h.Controller(reconciler, informer, name: name).RunAsync(stop.Token);

        await Eventually.UntilAsync(() => RuntimeHarness.ReconcileCount(name, "error") >= 1, RuntimeHarness.Patience, "the reconcile whose answer was lost fails",
            cancellationToken: TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => informer.Get(new("default", "lost-answer"))?.Status?.Message == "counted", RuntimeHarness.Patience, "the cache shows the write",
            cancellationToken: TestContext.Current.CancellationToken);
        await Task.Delay(200, TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await run;

        Assert.Equal(1, _h.Get("lost-answer")!.Status!.Observed);
        Assert.Single(_h.Kube.RequestLog, e => e.Method == "PATCH" && e.Path == statusPath && e.StatusCode == 200);
    }

    private sealed class DelegateReconciler(Func<ResourceKey, ReconcileResult> reconcile) : IReconciler<Widget>
    {
        public Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken) => Task.FromResult(reconcile(key));
    }

    private sealed class ScriptedReconciler(Func<ResourceKey, CancellationToken, Task<ReconcileResult>> reconcile) : IReconciler<Widget>
    {
        public Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken) => reconcile(key, cancellationToken);
    }
}
