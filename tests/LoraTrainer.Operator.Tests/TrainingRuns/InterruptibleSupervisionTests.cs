using LoraTrainer.Api;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>What the instance check makes of a paused instance, and the run's limits across attempts and pauses.</summary>
public sealed class InterruptibleSupervisionTests
{
    private static readonly DateTimeOffset Since = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly InstanceHealth Paused = new(InstanceState.Paused, "Vast paused the instance (outbid or out of credit)");
    private static readonly InstanceHealth Running = new(InstanceState.Running, "running");

    private static TrainingRun Run(TrainingPhase phase, bool interruptible = true, RunPolicySpec? policy = null) =>
        new TrainingRunBuilder().InPhase(phase, since: Since)
            .WithSpec(spec => spec with { Gpu = new GpuSpec { Interruptible = interruptible }, RunPolicy = policy ?? new RunPolicySpec { Deadlines = new DeadlinesSpec { Interrupted = "5m" } } })
            .Build();

    [Fact]
    public void Observe_APausedInstanceOfAnInterruptibleRun_InterruptsTheRunSayingHowLongItWaits()
    {
        var input = RunSupervisor.Observe(Run(TrainingPhase.Training), "7835610", Paused);

        var interrupted = Assert.IsType<InterruptedInput>(input);
        Assert.Equal("Vast paused the instance (outbid or out of credit); waiting up to 5m for Vast to resume instance 7835610 before renting another", interrupted.Reason);
    }

    [Fact]
    public void Observe_APausedInstanceOfAnOnDemandRun_StallsTheRun()
    {
        var input = RunSupervisor.Observe(Run(TrainingPhase.Training, interruptible: false), "7835610", Paused);

        Assert.Equal("instance 7835610 died: Vast paused the instance (outbid or out of credit)", Assert.IsType<StallInput>(input).Reason);
    }

    [Fact]
    public void Observe_AnInterruptedRunWhoseInstanceIsStillPaused_KeepsWaiting() =>
        Assert.Null(RunSupervisor.Observe(Run(TrainingPhase.Interrupted), "7835610", Paused));

    [Fact]
    public void Observe_AnInterruptedRunWhoseInstanceRunsAgain_ResumesIt() =>
        Assert.IsType<InstanceResumedInput>(RunSupervisor.Observe(Run(TrainingPhase.Interrupted), "7835610", Running));

    [Fact]
    public void LimitReached_WhileInterruptedOnASecondAttempt_CountsWhatEarlierAttemptsSpent()
    {
        var run = Run(TrainingPhase.Interrupted, policy: new RunPolicySpec { MaxCostUsd = 1.00 });
        run.Status = run.Status! with { Attempt = 2, Cost = new CostStatus { ReleasedUsd = 0.80, EstimatedUsd = 0.80 } };

        // 0.41 $/h since Since: 0.80 + 0.41 × 0.5 h crosses the dollar within the paused half hour.
        var limit = RunSupervisor.LimitReached(run, Since.AddMinutes(30));

        Assert.Equal("BudgetExceeded", limit?.ConditionReason);
        Assert.Null(RunSupervisor.LimitReached(run, Since.AddMinutes(20)));
    }

    [Fact]
    public void LimitReached_WhileInterrupted_HoldsTheActiveDeadlineFromTheFirstAttempt()
    {
        var run = Run(TrainingPhase.Interrupted, policy: new RunPolicySpec { ActiveDeadlineSeconds = 3600 });
        run.Status = run.Status! with { Attempt = 3, StartTime = Since.AddHours(-1) };

        Assert.Equal("DeadlineExceeded", RunSupervisor.LimitReached(run, Since)?.ConditionReason);
    }
}
