using System.Collections.Concurrent;
using k8s.Models;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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

        /// <summary>Read when the loss is reported: whether the in-flight reconcile had been told to stop by then.</summary>
        public Func<bool>? Observe { get; init; }

        public bool? ObservedAtLoss { get; private set; }

        public void OnLeadershipLost()
        {
            ObservedAtLoss = Observe?.Invoke();
            Interlocked.Increment(ref Losses);
        }
    }

    /// <summary>Reconciles "busy" until its token is cancelled, noting when that happened; other keys return at once.</summary>
    private sealed class BusyReconciler : IReconciler<Widget>
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Cancelled;

        public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
        {
            if (key.Name != "busy")
            {
                return ReconcileResult.Done;
            }

            await using var noted = cancellationToken.Register(() => Cancelled = true);
            Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return ReconcileResult.Done;
        }
    }

    private static LeaderElectionOptions FastElection(string identity) => new()
    {
        LeaseNamespace = "default",
        Identity = identity,
        LeaseDuration = TimeSpan.FromSeconds(1),
        RenewDeadline = TimeSpan.FromMilliseconds(800),
        RetryPeriod = TimeSpan.FromMilliseconds(200),
    };

    private const string LeasePath = "/apis/coordination.k8s.io/v1/namespaces/default/leases/loratrainer-operator";

    /// <summary>Another replica writes itself into the Lease, as after a partition where this one could not renew.</summary>
    private void StealLease()
    {
        var now = DateTime.UtcNow;
        _h.Kube.Seed(new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = "loratrainer-operator", NamespaceProperty = "default" },
            Spec = new V1LeaseSpec { HolderIdentity = "thief", LeaseDurationSeconds = 30, AcquireTime = now, RenewTime = now, LeaseTransitions = 7 },
        });
    }

    [Theory]
    [InlineData("stolen")]
    [InlineData("renewals-fail")]
    public async Task ALeaderThatLosesTheLease_CancelsItsInFlightReconcileAtOnce_AndReportsTheLoss(string how)
    {
        _h.Seed(Widget.Named("busy"));
        var reconciler = new BusyReconciler();
        var controller = _h.Controller(reconciler, options: new ControllerOptions { Workers = 2, ShutdownGrace = TimeSpan.FromSeconds(30) });
        var loss = new RecordLoss { Observe = () => reconciler.Cancelled };
        var manager = new ControllerManager(_h.Client, [controller], Options.Create(FastElection($"replica-{how}")), loss, NullLogger<ControllerManager>.Instance);
        await manager.StartAsync(TestContext.Current.CancellationToken);
        await reconciler.Started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        if (how == "stolen")
        {
            StealLease();
        }
        else
        {
            _h.Kube.FailNextRequests("PUT", LeasePath, 1000, 500);
        }

        await Eventually.UntilAsync(() => Volatile.Read(ref loss.Losses) == 1, TimeSpan.FromSeconds(5), "the loss is reported",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(loss.ObservedAtLoss, "the in-flight reconcile was still running with a live token when the loss was reported");
        Assert.False(manager.IsLeading);
        await Eventually.UntilAsync(() => manager.ExecuteTask!.IsCompleted, TimeSpan.FromSeconds(5), "the manager stops without waiting out the 30 s grace",
            cancellationToken: TestContext.Current.CancellationToken);
        await manager.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ExitOnLeadershipLoss_EndsTheHostWithANonZeroExitCode_WhenTheLeaseIsLost()
    {
        var before = Environment.ExitCode;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Operator:LeaderElection:Identity"] = "host-replica",
            ["Operator:LeaderElection:LeaseNamespace"] = "default",
            ["Operator:LeaderElection:LeaseDuration"] = "00:00:01",
            ["Operator:LeaderElection:RenewDeadline"] = "00:00:00.800",
            ["Operator:LeaderElection:RetryPeriod"] = "00:00:00.200",
        });
        builder.Services.AddControllerRuntime(() => _h.Kube.CreateClientConfiguration());
        builder.Services.AddController<Widget, IdleReconciler>($"exit-{Guid.NewGuid():N}");
        using var host = builder.Build();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            var manager = host.Services.GetRequiredService<ControllerManager>();
            await Eventually.UntilAsync(() => manager.IsLeading, RuntimeHarness.Patience, "the host leads", cancellationToken: TestContext.Current.CancellationToken);

            StealLease();

            await host.WaitForShutdownAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = before;
        }
    }

    private sealed class IdleReconciler : IReconciler<Widget>
    {
        public Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken) => Task.FromResult(ReconcileResult.Done);
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

        public async Task RunAsync(CancellationToken stopping, CancellationToken aborting)
        {
            await Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
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
        await Eventually.UntilAsync(() => manager.IsLeading, RuntimeHarness.Patience, "the replica leads", cancellationToken: TestContext.Current.CancellationToken);

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
        await Eventually.UntilAsync(() => a.IsLeading, RuntimeHarness.Patience, "replica-a leads", cancellationToken: TestContext.Current.CancellationToken);
        await b.StartAsync(TestContext.Current.CancellationToken);

        for (var i = 0; i < 10; i++)
        {
            _h.Seed(Widget.Named($"before-{i}"));
        }

        await Eventually.UntilAsync(() => log.Count(r => r.Key.StartsWith("before-", StringComparison.Ordinal)) >= 10, RuntimeHarness.Patience, "the leader reconciled the first widgets",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(b.IsLeading);
        Assert.True(b.IsReady);

        await a.StopAsync(TestContext.Current.CancellationToken);
        var stoppedAt = DateTime.UtcNow;
        for (var i = 0; i < 10; i++)
        {
            _h.Seed(Widget.Named($"after-{i}"));
        }

        await Eventually.UntilAsync(() => b.IsLeading, TimeSpan.FromSeconds(15), "replica-b takes over", cancellationToken: TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => log.Where(r => r.Replica == "replica-b").Select(r => r.Key).Distinct().Count(k => k.StartsWith("after-", StringComparison.Ordinal)) == 10,
            RuntimeHarness.Patience, "the new leader reconciled every widget created during the handover", cancellationToken: TestContext.Current.CancellationToken);
        await b.StopAsync(TestContext.Current.CancellationToken);

        var byA = log.Where(r => r.Replica == "replica-a").ToList();
        var byB = log.Where(r => r.Replica == "replica-b").ToList();
        Assert.All(byA, r => Assert.True(r.End <= stoppedAt.AddMilliseconds(50), "replica-a reconciled after it stopped"));
        Assert.All(byB, rb => Assert.DoesNotContain(byA, ra => ra.Key == rb.Key && ra.Start < rb.End && rb.Start < ra.End));
        Assert.Equal(0, loss.Losses);
    }
}
