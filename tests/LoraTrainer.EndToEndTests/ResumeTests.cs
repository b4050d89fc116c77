using LoraTrainer.Api;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.World;

namespace LoraTrainer.EndToEndTests;

/// <summary>A run whose host dies continues on another machine from the training state it saved in S3.</summary>
public sealed class ResumeTests : IAsyncLifetime
{
    private const int Epochs = 10;
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(
        TestWorld.Offer(1001, machine: 101, price: 0.30),
        TestWorld.Offer(1002, machine: 102, price: 0.40));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task HostKilledAtEpoch6Of10_TheRetryResumesFromTheSavedState_AndTrainsAtMost11EpochsInAll()
    {
        // Ten distinct losses whose lowest is epoch 3, trained by the first attempt: the choice must look back at it.
        double[] losses = [0.30, 0.25, 0.10, 0.22, 0.21, 0.20, 0.19, 0.18, 0.17, 0.16];
        _stack.Agents.Trainer = launch => Scenario.Slow with { EpochLosses = losses, StepSeconds = launch == 1 ? 0.1 : 0.001 };
        await _stack.ApplyAsync(Samples.Minimal("resumed", heartbeat: "5s", backoffLimit: 1, epochs: Epochs));
        TrainingRun saved;
        try { saved = await _stack.WaitForAsync("resumed", r => r.Status?.Resume?.Epoch >= 6, seconds: 60, TestContext.Current.CancellationToken); }
        catch (TimeoutException ex) { throw new InvalidOperationException(ex.Message + "\nOPERATOR:\n" + _stack.Operator.Output() + string.Join("\n", _stack.Agents.Agents.Values.Select(a => a.Output))); }

        var killedAt = Scenario.Now;
        _stack.Agents.Kill(long.Parse(saved.Status!.Gpu!.InstanceId!, System.Globalization.CultureInfo.InvariantCulture));

        var run = await _stack.CompletesAsync("resumed");
        var completedAt = Scenario.Now;
        Assert.Equal(2, run.Status!.Attempt);
        var trained = _stack.Agents.TrainedEpochs;
        Assert.True(trained.Count <= Epochs + 1, $"trained {trained.Count} epochs in all: {string.Join(",", trained)}");
        Assert.Equal(Enumerable.Range(1, Epochs), trained.Distinct().Order());
        Assert.Equal(Enumerable.Range(1, Epochs), run.Status.Epochs.Select(e => e.Epoch));
        Assert.Equal(losses, run.Status.Epochs.Select(e => e.Loss!.Value));
        Assert.Equal(3, run.Status.Output!.Epoch);
        await _stack.AssertLedgerAsync(
            InstanceBudget.Until(killedAt + Heartbeat + Scenario.CheckInterval, "attempt 1: until its agent died and the 5 s heartbeat deadline passed"),
            InstanceBudget.Until(completedAt, "attempt 2: until the run completed"));
    }
}
