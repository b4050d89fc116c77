using System.Diagnostics;
using LoraTrainer.Api;
using LoraTrainer.Demo.Stack;
using LoraTrainer.EndToEndTests.Stack;

namespace LoraTrainer.EndToEndTests;

/// <summary>The user deletes a run mid-training, and the operator crashes at every phase.</summary>
public sealed class LifecycleFaultTests : IAsyncLifetime
{
    private EndToEndStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await EndToEndStack.StartAsync(
        EndToEndStack.Offer(801, machine: 81), EndToEndStack.Offer(802, machine: 82, price: 0.5));

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    [Fact]
    public async Task RunDeletedMidTraining_ItsInstanceIsDestroyedWithinSeconds_AndTheRunIsGone()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow with { StepSeconds = 0.2 };
        var scenario = Stopwatch.StartNew();
        await _stack.ApplyAsync(Samples.Minimal("deleted"));
        await _stack.WaitForPhaseAsync("deleted", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);

        var deleting = Stopwatch.StartNew();
        await _stack.Kubectl.RunAsync(null, "delete", "trainingrun", "deleted", "-n", EndToEndStack.Namespace, "--wait=false");
        var ledger = await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
        var destroyedAfter = deleting.Elapsed;

        Assert.InRange(destroyedAfter.TotalSeconds, 0, 5);
        Assert.True(await GoneAsync("deleted"), "the run still exists after its instance was released");
        // The container goes with its instance: the agent was stopped mid-training, not allowed to finish.
        var agent = Assert.Single(_stack.Agents.Agents.Values);
        await agent.Process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(agent.Killed);
        TestContext.Current.TestOutputHelper?.WriteLine($"instance destroyed {destroyedAfter.TotalSeconds:F1}s after kubectl delete");
        Assert.Equal(0, ledger.AliveInstances);
        await _stack.AssertNothingLeftAsync(scenario, expectedInstances: 1);
    }

    [Theory]
    [InlineData(TrainingPhase.Pending)]
    [InlineData(TrainingPhase.PendingGpu)]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Training)]
    [InlineData(TrainingPhase.Completed)]
    public async Task OperatorKilledAndRestartedAtAPhase_RentsNoSecondInstance_AndLeaksNothing(TrainingPhase phase)
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        var scenario = Stopwatch.StartNew();
        var name = $"crash-{phase.ToString().ToLowerInvariant()}";
        await _stack.ApplyAsync(Samples.Minimal(name));
        await _stack.WaitForAsync(name, r => r.Status is { } s && s.Phase >= phase, cancellationToken: TestContext.Current.CancellationToken);

        await _stack.Operator.RestartAsync();

        var run = await _stack.CompletesAsync(name);
        Assert.Equal(1, run.Status!.Attempt);
        Assert.Single(_stack.Vast.RequestsTo(Testing.Vast.VastRoute.Create), r => r.Status == 200);
        await _stack.AssertNothingLeftAsync(scenario, expectedInstances: 1);
    }

    private async Task<bool> GoneAsync(string name)
    {
        for (var i = 0; i < 50 && _stack.Run(name) is not null; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, TestContext.Current.CancellationToken);
        }

        return _stack.Run(name) is null;
    }
}
