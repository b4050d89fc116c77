using k8s;
using LoraTrainer.Operator.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class LeaderElectionTests
{
    /// <summary>Counts how many replicas run at once, and in which order they started.</summary>
    private sealed class Leadership
    {
        private readonly Lock _gate = new();
        private int _leaders;

        public List<string> Started { get; } = [];

        public int MaxLeaders { get; private set; }

        public IRunnable For(string identity) => new Runnable(this, identity);

        private sealed class Runnable(Leadership leadership, string identity) : IRunnable
        {
            public string Name => identity;

            public bool IsReady => true;

            public async Task RunAsync(CancellationToken stopping, CancellationToken aborting)
            {
                using (leadership._gate.EnterScope())
                {
                    leadership.Started.Add(identity);
                    leadership.MaxLeaders = Math.Max(leadership.MaxLeaders, ++leadership._leaders);
                }

                await Task.Delay(Timeout.Infinite, stopping).ContinueWith(_ => { }, TaskScheduler.Default);
                using (leadership._gate.EnterScope())
                {
                    leadership._leaders--;
                }
            }
        }
    }

    [Fact]
    public async Task TwoReplicasOnOneLease_HaveOneLeaderAtATime_AndTheOtherTakesOverWhenTheLeaderStops()
    {
        await using var server = await LoraTrainer.Testing.Kubernetes.FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var clientA = server.CreateClient();
        using var clientB = server.CreateClient();
        var leadership = new Leadership();

        ControllerManager Replica(string identity, k8s.Kubernetes client) => new(client, [leadership.For(identity)], Options.Create(new LeaderElectionOptions
        {
            LeaseNamespace = "default",
            LeaseName = "operator",
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromMilliseconds(1500),
            RetryPeriod = TimeSpan.FromMilliseconds(150),
        }), new NoLoss(), NullLogger<ControllerManager>.Instance);

        var a = Replica("a", clientA);
        await a.StartAsync(Token);
        await Eventually.UntilAsync(() => a.IsLeading, TimeSpan.FromSeconds(10), "a leads", cancellationToken: Token);
        var b = Replica("b", clientB);
        await b.StartAsync(Token);

        await Task.Delay(TimeSpan.FromSeconds(1.5), TimeProvider.System, Token);
        var bLedWhileAHeld = b.IsLeading;
        await a.StopAsync(Token);
        await Eventually.UntilAsync(() => b.IsLeading, TimeSpan.FromSeconds(10), "b takes over", cancellationToken: Token);
        var lease = await clientB.CoordinationV1.ReadNamespacedLeaseAsync("operator", "default", cancellationToken: Token);
        await b.StopAsync(Token);

        Assert.False(bLedWhileAHeld);
        Assert.Equal(["a", "b"], leadership.Started);
        Assert.Equal(1, leadership.MaxLeaders);
        Assert.Equal("b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
    }

    private sealed class NoLoss : ILeadershipLossHandler
    {
        public void OnLeadershipLost() => throw new InvalidOperationException("no replica should lose the Lease here");
    }
}
