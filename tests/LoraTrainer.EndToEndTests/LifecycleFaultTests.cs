using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.EndToEndTests;

/// <summary>The user deletes a run mid-training, and the operator process is killed (SIGKILL) in every phase.</summary>
public sealed class LifecycleFaultTests : IAsyncLifetime
{
    /// <summary>How long a slowed step holds its phase: long enough to see the phase and kill the operator inside it.</summary>
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(4);

    /// <summary>The product promises a deleted run's GPU is released within seconds.</summary>
    private static readonly TimeSpan DeleteRelease = TimeSpan.FromSeconds(5);

    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(
        TestWorld.Offer(801, machine: 81), TestWorld.Offer(802, machine: 82, price: 0.5));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task RunDeletedMidTraining_ItsInstanceIsDestroyedWithinSeconds_AndTheRunIsGone()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow with { StepSeconds = 0.2 };
        await _stack.ApplyAsync(Samples.Minimal("deleted"));
        await _stack.WaitForPhaseAsync("deleted", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);

        var deletedAt = Scenario.Now;
        await _stack.Kubectl.RunAsync(null, "delete", "trainingrun", "deleted", "-n", _stack.Namespace, "--wait=false");
        var ledger = await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
        var destroyedAfter = Scenario.Now - deletedAt;

        Assert.InRange(destroyedAfter, TimeSpan.Zero, DeleteRelease);
        await Eventually.UntilAsync(() => _stack.Run("deleted") is null, TimeSpan.FromSeconds(5), "the run to be gone once its instance was released",
            cancellationToken: TestContext.Current.CancellationToken);
        // The container goes with its instance: the agent was stopped mid-training, not allowed to finish.
        var agent = Assert.Single(_stack.Agents.Agents.Values);
        await agent.Process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(agent.Killed);
        TestContext.Current.TestOutputHelper?.WriteLine($"instance destroyed {destroyedAfter.TotalSeconds:F1}s after kubectl delete");
        Assert.Equal(0, ledger.AliveInstances);
        await _stack.AssertLedgerAsync(InstanceBudget.Until(deletedAt, "the one attempt: until the run was deleted", DeleteRelease));
    }

    /// <summary>
    /// Each phase is held by slowing what it waits for (Vast answering a create, the image pull, the dataset or model
    /// download, the trainer, Vast accepting a destroy), so the kill lands inside it; the restarted operator must
    /// adopt, not re-rent, what the killed one created, and release what it held.
    /// </summary>
    [Theory]
    [InlineData(TrainingPhase.Pending)]
    [InlineData(TrainingPhase.PendingGpu)]
    [InlineData(TrainingPhase.PendingImages)]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Training)]
    [InlineData(TrainingPhase.Stalled)]
    [InlineData(TrainingPhase.Completed)]
    public async Task OperatorKilledAndRestartedAtAPhase_RentsNoSecondInstance_AndLeaksNothing(TrainingPhase phase)
    {
        var name = $"crash-{phase.ToString().ToLowerInvariant()}";
        // Only a kill mid-training needs training to last; elsewhere the run finishes as soon as it can.
        _stack.Agents.Trainer = _ => phase == TrainingPhase.Training ? Scenario.Slow : Scenario.Fast;
        var inPhase = HoldPhase(phase);
        await _stack.ApplyAsync(Samples.Minimal(name, backoffLimit: 1));
        await Eventually.UntilAsync(() => _stack.Run(name) is { Status: { } status } && status.Phase == phase && inPhase(status), TimeSpan.FromSeconds(30),
            $"{name} held in {phase}", seen: () => $"{_stack.Run(name)?.Status?.Phase}\noperator: {_stack.Operator.Output()}", cancellationToken: TestContext.Current.CancellationToken);

        _stack.Operator.Kill();

        var killedIn = _stack.Run(name)!.Status!;
        Assert.Equal(phase, killedIn.Phase);
        var firstInstance = _stack.Vast.Instances(includeDestroyed: true)[0];
        if (phase is TrainingPhase.Pending or TrainingPhase.Stalled or TrainingPhase.Completed)
        {
            // The killed operator created (pending) or still held (stalled, completed) an instance it had not recorded or released.
            Assert.Null(firstInstance.DestroyedAt);
        }

        _stack.Vast.Faults.Clear();
        await _stack.Operator.RestartAsync(TestContext.Current.CancellationToken);
        var restartedAt = _stack.Operator.ReadyAt;

        var run = await _stack.CompletesAsync(name);
        var completedAt = Scenario.Now;
        if (phase == TrainingPhase.Stalled)
        {
            Assert.Equal(2, run.Status!.Attempt);
            await _stack.AssertLedgerAsync(
                InstanceBudget.Until(restartedAt, "attempt 1: stalled, until the restarted operator released it"),
                InstanceBudget.Until(completedAt, "attempt 2: until the run completed"));
        }
        else
        {
            Assert.Equal(1, run.Status!.Attempt);
            Assert.Equal(firstInstance.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), run.Status.Gpu!.InstanceId);
            await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: until the run completed (and the restarted operator saw it)"));
        }
    }

    /// <summary>Slows what <paramref name="phase"/> waits for; returns when a status shows the kill would land inside it.</summary>
    private Func<TrainingRunStatus, bool> HoldPhase(TrainingPhase phase)
    {
        switch (phase)
        {
            case TrainingPhase.Pending:
                // Vast creates the instance at once but answers late: killed then, the operator never recorded it.
                _stack.Vast.Faults.Latency(VastRoute.Create, Hold);
                return status => status.Gpu is null && _stack.Vast.Instances().Count == 1;
            case TrainingPhase.PendingGpu:
                _stack.Vast.AddOffers(TestWorld.Offer(801, machine: 81, lifecycle: VastLifecycle.Immediate with { Loading = Hold }));
                return _ => true;
            case TrainingPhase.PendingImages:
                _stack.S3Proxy.DelayDownload("/datasets/", Hold);
                return _ => true;
            case TrainingPhase.PendingModel:
                _stack.Civitai.Delay("/files/", Hold);
                return _ => true;
            case TrainingPhase.Training:
                return status => status.Progress?.Percent > 0;
            case TrainingPhase.Stalled:
                // The first machine cannot start the image (the operator's health check stalls the run); Vast then refuses the destroy until the faults are cleared.
                _stack.Vast.AddOffers(TestWorld.Offer(801, machine: 81, lifecycle: VastLifecycle.Immediate with { Failure = VastInstanceFailure.OciRuntimeFailure }));
                _stack.Vast.Faults.RateLimit(VastRoute.Destroy, times: 10_000);
                return status => status.Gpu?.ReleasedAt is null && _stack.Vast.Instances().Count == 1;
            case TrainingPhase.Completed:
                _stack.Vast.Faults.RateLimit(VastRoute.Destroy, times: 10_000);
                return status => status.Gpu?.ReleasedAt is null && _stack.Vast.Instances().Count == 1;
            default:
                throw new ArgumentOutOfRangeException(nameof(phase), phase, "no way to hold this phase");
        }
    }
}
