using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Api.Tests;

/// <summary>An interruptible instance paused by Vast: the run waits in interrupted and returns to the phase it left.</summary>
public sealed class InterruptionTests
{
    private static readonly DateTimeOffset Since = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = Since.AddMinutes(30);

    [Theory]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Training)]
    public void Apply_InterruptedWhileHoldingAGpu_WaitsInInterruptedRecordingThePauseAndThePhaseLeft(TrainingPhase phase)
    {
        var run = new TrainingRunBuilder().InPhase(phase, since: Since).Build();

        var result = PhaseMachine.Apply(run, new InterruptedInput("Vast paused the instance"), Now);

        Assert.True(result.Accepted);
        Assert.Equal((TrainingPhase.Interrupted, "Interrupted", Now), (result.Status.Phase, result.Status.Reason, result.Status.PhaseStartTime!.Value));
        Assert.Equal(new InterruptionStatus { PausedAt = Now, Phase = phase }, result.Status.Interruption);
        Assert.Contains(result.Status.Conditions, c => c is { Type: ConditionTypes.Reconciling, Status: ConditionStatus.True, Reason: "Interrupted" });
    }

    [Fact]
    public void Apply_InstanceResumed_ReturnsToThePhaseLeftWithItsDeadlineCountingFromTheResume()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Interrupted, since: Since).Build();

        var result = PhaseMachine.Apply(run, new InstanceResumedInput(), Now);

        Assert.True(result.Accepted);
        Assert.Equal((TrainingPhase.Training, Now, (string?)null), (result.Status.Phase, result.Status.PhaseStartTime!.Value, result.Status.Reason));
        Assert.Equal(Now, result.Status.Interruption!.ResumedAt);
        Assert.Equal("the instance resumed after 30m; training on the same machine", result.Status.Message);
        Assert.Equal(1, result.Status.Attempt);
    }

    [Fact]
    public void Apply_AgentEventWhileInterrupted_CountsTowardThePhaseLeftAndStaysInterrupted()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Interrupted, since: Since).Build();
        run.Status = run.Status! with { Interruption = run.Status.Interruption! with { Phase = TrainingPhase.PendingModel } };

        var ready = PhaseMachine.Apply(run, new ReadyInput(1, 1), Now);
        run.Status = ready.Status;
        var epoch = PhaseMachine.Apply(run, new EpochCompletedInput(2, 1, 1, 0.12), Now);

        Assert.True(ready.Accepted && epoch.Accepted);
        Assert.Equal((TrainingPhase.Interrupted, Since), (epoch.Status.Phase, epoch.Status.PhaseStartTime!.Value));
        Assert.Equal(TrainingPhase.Training, epoch.Status.Interruption!.Phase);
        Assert.Equal(0.12, Assert.Single(epoch.Status.Epochs).Loss);
    }

    [Fact]
    public void Apply_UploadVerifiedWhileInterrupted_EndsThePauseAndCompletes()
    {
        // The agent restarted in place on the resumed instance finished and reported its output before the operator saw the instance running.
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Interrupted, since: Since).Build();
        run.Status = PhaseMachine.Apply(run, new UploadedInput(1, 1, 3, 0.11, "s3://out/loras/run.safetensors", 1024, new string('a', 64)), Now).Status;

        var result = PhaseMachine.Apply(run, new UploadVerifiedInput(), Now);

        Assert.True(result.Accepted);
        Assert.Equal(TrainingPhase.Completed, result.Status.Phase);
        Assert.Equal(Now, result.Status.Output!.VerifiedAt);
        Assert.Equal(Now, result.Status.Interruption!.ResumedAt);
        Assert.Equal(30 * 60, result.Status.Gpu!.PausedSeconds);
    }

    [Fact]
    public void Apply_UploadVerifiedWhileInterruptedBeforeTraining_IsRefused()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Interrupted, since: Since).Build();
        run.Status = run.Status! with
        {
            Interruption = run.Status.Interruption! with { Phase = TrainingPhase.PendingModel },
            Output = new OutputStatus { Uri = "s3://out/loras/run.safetensors", Epoch = 1 },
        };

        Assert.False(PhaseMachine.Apply(run, new UploadVerifiedInput(), Now).Accepted);
    }

    [Fact]
    public void Apply_AgentFailedWhileInterrupted_FailsTheRun()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Interrupted, since: Since).Build();

        var result = PhaseMachine.Apply(run, new AgentFailedInput(1, 1, "training", "CUDA out of memory"), Now);

        Assert.Equal(TrainingPhase.Failed, result.Status.Phase);
    }

    [Fact]
    public void Deadline_OfAnInterruptedRun_IsTheInterruptedWaitFromThePause()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Interrupted, since: Since)
            .WithSpec(spec => spec with { RunPolicy = new RunPolicySpec { Deadlines = new DeadlinesSpec { Interrupted = "2m" } } }).Build();

        var deadline = PhaseDeadlines.For(run)!;

        Assert.Equal(Since.AddMinutes(2), deadline.At);
        Assert.Equal("Vast did not resume the paused instance within 2m", deadline.Reason);
    }

    [Fact]
    public void Deadline_OfAnInterruptedRunWithoutAPolicy_IsTenMinutes() =>
        Assert.Equal(Since.AddMinutes(10), PhaseDeadlines.For(new TrainingRunBuilder().InPhase(TrainingPhase.Interrupted, since: Since).Build())!.At);
}
