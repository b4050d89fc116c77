using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class LeaderElectionTests
{
    [Fact]
    public async Task TwoElectorsOnOneLease_HaveOneLeaderAtATime_AndTheOtherTakesOverWhenTheLeaderStops()
    {
        await using var server = await LoraTrainer.Testing.Kubernetes.FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var clientA = server.CreateClient();
        using var clientB = server.CreateClient();
        var leaders = 0;
        var maxLeaders = 0;
        var started = new List<string>();
        var gate = new Lock();
        using var stopA = CancellationTokenSource.CreateLinkedTokenSource(Token);
        using var stopB = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var bLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        LeaderElector Elector(string identity, k8s.Kubernetes client, TaskCompletionSource leads)
        {
            var elector = new LeaderElector(new LeaderElectionConfig(new LeaseLock(client, "default", "operator", identity))
            {
                LeaseDuration = TimeSpan.FromSeconds(2),
                RenewDeadline = TimeSpan.FromMilliseconds(1500),
                RetryPeriod = TimeSpan.FromMilliseconds(150),
            });
            elector.OnStartedLeading += () =>
            {
                using (gate.EnterScope())
                {
                    started.Add(identity);
                    maxLeaders = Math.Max(maxLeaders, ++leaders);
                }

                leads.TrySetResult();
            };
            elector.OnStoppedLeading += () =>
            {
                using (gate.EnterScope())
                {
                    leaders--;
                }
            };
            return elector;
        }

        using var a = Elector("a", clientA, aLeads);
        var runA = a.RunUntilLeadershipLostAsync(stopA.Token);
        await aLeads.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        using var b = Elector("b", clientB, bLeads);
        var runB = b.RunUntilLeadershipLostAsync(stopB.Token);

        await Task.Delay(TimeSpan.FromSeconds(1.5), TimeProvider.System, Token);
        var bLedWhileAHeld = bLeads.Task.IsCompleted;
        await stopA.CancelAsync();
        await Task.WhenAny(runA, Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System, Token));
        await bLeads.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        var lease = await clientB.CoordinationV1.ReadNamespacedLeaseAsync("operator", "default", cancellationToken: Token);
        await stopB.CancelAsync();
        await Task.WhenAny(runB, Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System, Token));

        Assert.False(bLedWhileAHeld);
        Assert.Equal(["a", "b"], started);
        Assert.Equal(1, maxLeaders);
        Assert.Equal("b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
    }
}
