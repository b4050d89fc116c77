using System.Diagnostics;
using LoraTrainer.Api;
using LoraTrainer.Demo.Stack;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.EndToEndTests.Stack;

/// <summary>Helpers every fault scenario shares: a timed run to completion and the ledger check that nothing leaked.</summary>
internal static class Scenario
{
    /// <summary>A trainer slow enough (about 4 epochs × 20 steps × 50 ms) that a fault can strike mid-training.</summary>
    public static FakeTrainerSettings Slow { get; } = new() { EpochLosses = [0.3, 0.2, 0.15, 0.18], StepSeconds = 0.05 };

    /// <summary>A trainer that finishes at once.</summary>
    public static FakeTrainerSettings Fast { get; } = new() { EpochLosses = [0.3, 0.2, 0.15, 0.18] };

    /// <summary>Waits for a terminal phase and fails with the run's message and the agents' output unless it completed.</summary>
    public static async Task<TrainingRun> CompletesAsync(this EndToEndStack stack, string name, int seconds = 60)
    {
        var run = await stack.WaitForAsync(name, r => r.Status?.Phase is TrainingPhase.Completed or TrainingPhase.Failed
            || r.Status is { Phase: TrainingPhase.Stalled, Gpu.ReleasedAt: not null } && PhaseMachine.IsTerminal(r), seconds);
        Assert.True(run.Status!.Phase == TrainingPhase.Completed,
            $"{run.Status.Phase}: {run.Status.Message}\n" + string.Join("\n", stack.Agents.Agents.Values.Select(a => $"agent {a.Launch} exit {a.ExitCode}: {a.Output}")));
        Assert.Equal(100, run.Status.Progress!.Percent);
        return run;
    }

    /// <summary>
    /// Asserts from the simulator's ledger that no instance is left alive and that instances existed no longer than
    /// the scenario took (they never overlap: a retry rents only after the stalled instance is released).
    /// </summary>
    public static async Task<VastCostReport> AssertNothingLeftAsync(this EndToEndStack stack, Stopwatch scenario, int expectedInstances)
    {
        var ledger = await stack.WaitForNothingAliveAsync();
        Assert.Equal(0, ledger.AliveInstances);
        Assert.Equal(expectedInstances, ledger.Instances.Count);
        Assert.InRange(ledger.InstanceSeconds, 0, scenario.Elapsed.TotalSeconds + 2);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"scenario {scenario.Elapsed.TotalSeconds:F1}s; ledger: {ledger.Instances.Count} instance(s), {ledger.InstanceSeconds:F1} instance-s, ${ledger.Dollars:F6}");
        return ledger;
    }
}
