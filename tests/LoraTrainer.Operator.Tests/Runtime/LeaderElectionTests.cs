using System.Collections.Concurrent;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class LeaderElectionTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    private sealed record Reconcile(string Replica, string Key, DateTime Start, DateTime End);

    private sealed class RecordingReconciler(string replica, ConcurrentQueue<Reconcile> log) : IReconciler<Widget>
    {
        public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
        {
            var start = DateTime.UtcNow;
            await Task.Delay(5, CancellationToken.None);
            log.Enqueue(new Reconcile(replica, key.Name, start, DateTime.UtcNow));
            return ReconcileResult.Done;
        }
    }

    private sealed class RecordLoss : ILeadershipLossHandler
    {
        public int Losses;

        public void OnLeadershipLost() => Interlocked.Increment(ref Losses);
    }

    private ControllerManager Replica(string name, ConcurrentQueue<Reconcile> log, RecordLoss loss)
    {
        var controller = _h.Controller(new RecordingReconciler(name, log));
        var options = Options.Create(new LeaderElectionOptions
        {
            LeaseNamespace = "default",
            Identity = name,
            LeaseDuration = TimeSpan.FromSeconds(1),
            RenewDeadline = TimeSpan.FromMilliseconds(800),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        return new ControllerManager(_h.Client, [controller], options, loss, NullLogger<ControllerManager>.Instance);
    }

    private sealed class SlowToStop : IRunnable
    {
        public volatile bool Finished;

        public string Name => "slow-to-stop";

        public bool IsReady => true;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            await Task.Delay(300, CancellationToken.None);
            Finished = true;
        }
    }

    [Fact]
    public async Task StoppingTheLeader_WaitsForItsControllersToFinishTheirWork()
    {
        var runnable = new SlowToStop();
        var options = Options.Create(new LeaderElectionOptions
        {
            LeaseNamespace = "default",
            Identity = "replica-stop",
            LeaseDuration = TimeSpan.FromSeconds(1),
            RenewDeadline = TimeSpan.FromMilliseconds(800),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        var loss = new RecordLoss();
        var manager = new ControllerManager(_h.Client, [runnable], options, loss, NullLogger<ControllerManager>.Instance);
        await manager.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => manager.IsLeading, "the replica leads");

        await manager.StopAsync(TestContext.Current.CancellationToken);

        Assert.True(runnable.Finished, "the host stopped before its controllers had finished");
        Assert.Equal(0, loss.Losses);
    }

    [Fact]
    public async Task TwoReplicas_OnlyTheLeaderReconciles_AndTheOtherTakesOverWhenItStops()
    {
        var log = new ConcurrentQueue<Reconcile>();
        var loss = new RecordLoss();
        var a = Replica("replica-a", log, loss);
        var b = Replica("replica-b", log, loss);
        await a.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => a.IsLeading, "replica-a leads");
        await b.StartAsync(TestContext.Current.CancellationToken);

        for (var i = 0; i < 10; i++)
        {
            _h.Seed(Widget.Named($"before-{i}"));
        }

        await Eventually.TrueAsync(() => log.Count(r => r.Key.StartsWith("before-", StringComparison.Ordinal)) >= 10, "the leader reconciled the first widgets");
        Assert.False(b.IsLeading);
        Assert.True(b.IsReady);

        await a.StopAsync(TestContext.Current.CancellationToken);
        var stoppedAt = DateTime.UtcNow;
        for (var i = 0; i < 10; i++)
        {
            _h.Seed(Widget.Named($"after-{i}"));
        }

        await Eventually.TrueAsync(() => b.IsLeading, "replica-b takes over", TimeSpan.FromSeconds(15));
        await Eventually.TrueAsync(() => log.Where(r => r.Replica == "replica-b").Select(r => r.Key).Distinct().Count(k => k.StartsWith("after-", StringComparison.Ordinal)) == 10,
            "the new leader reconciled every widget created during the handover");
        await b.StopAsync(TestContext.Current.CancellationToken);

        var byA = log.Where(r => r.Replica == "replica-a").ToList();
        var byB = log.Where(r => r.Replica == "replica-b").ToList();
        Assert.All(byA, r => Assert.True(r.End <= stoppedAt.AddMilliseconds(50), "replica-a reconciled after it stopped"));
        Assert.All(byB, rb => Assert.DoesNotContain(byA, ra => ra.Key == rb.Key && ra.Start < rb.End && rb.Start < ra.End));
        Assert.Equal(0, loss.Losses);
    }
}
