using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Api.Tests;

/// <summary><c>spec.finish: now</c> as the phase machine sees it: the agent's early upload, or the operator's end of a run not training.</summary>
public sealed class FinishEarlyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public void UploadVerified_AfterAnEarlyUpload_CompletesWithReasonFinishedEarlyAndKeepsTheProgressWhereTrainingStopped()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = run.Status! with { Output = null, Progress = new ProgressStatus { Percent = 31, Epoch = 4, TotalEpochs = 10 } };

        run.Status = PhaseMachine.Apply(run, new UploadedInput(9, 1, 2, 0.0812, "s3://b/loras/anna.safetensors", 1000, "abc", FinishedEarly: true), Now).Status;
        var completed = PhaseMachine.Apply(run, new UploadVerifiedInput(), Now.AddSeconds(1)).Status;

        Assert.Equal(TrainingPhase.Completed, completed.Phase);
        Assert.Equal(PhaseMachine.FinishedEarlyReason, completed.Reason);
        Assert.True(completed.Output!.FinishedEarly);
        Assert.Equal(2, completed.Output.Epoch);
        Assert.Equal(31, completed.Progress!.Percent);
        Assert.StartsWith("finished early (spec.finish: now): epoch 2 (loss 0.0812), the best saved, at s3://b/loras/anna.safetensors", completed.Message, StringComparison.Ordinal);
        Assert.Equal("FinishedEarly", completed.Conditions.Find(ConditionTypes.Succeeded)!.Reason);
        Assert.True(completed.Conditions.IsTrue(ConditionTypes.Ready));
    }

    [Fact]
    public void UploadVerified_AfterANormalUpload_CompletesWithoutTheFinishedEarlyReason()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();

        var completed = PhaseMachine.Apply(run, new UploadVerifiedInput(), Now).Status;

        Assert.Null(completed.Reason);
        Assert.Null(completed.Output!.FinishedEarly);
    }

    [Theory]
    [InlineData(TrainingPhase.Pending)]
    [InlineData(TrainingPhase.PendingGpu)]
    [InlineData(TrainingPhase.PendingImages)]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Interrupted)]
    [InlineData(TrainingPhase.Stalled)]
    public void FinishEarly_BeforeTraining_FailsSayingNothingWasSaved(TrainingPhase phase)
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(2).InPhase(phase).Build();

        var result = PhaseMachine.Apply(run, new FinishEarlyInput(), Now);

        Assert.True(result.Accepted);
        Assert.Equal(TrainingPhase.Failed, result.Status.Phase);
        Assert.Equal(PhaseMachine.FinishedEarlyReason, result.Status.Reason);
        Assert.Equal($"finished early (spec.finish: now) while {phase.ToWireName()}, before any epoch was saved: there is nothing to keep", result.Status.Message);
        Assert.Equal("FinishedEarly", result.Status.Conditions.Find(ConditionTypes.Failed)!.Reason);
        Assert.Equal(Now, result.Status.CompletionTime);
    }

    [Theory]
    [InlineData(TrainingPhase.Stalled)]
    [InlineData(TrainingPhase.Interrupted)]
    [InlineData(TrainingPhase.PendingModel)]
    public void FinishEarly_WithAnEpochAnEarlierAttemptKept_CompletesWithItAsTheOutput(TrainingPhase phase)
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(2).InPhase(phase).Build();
        var kept = new OutputStatus { Uri = "s3://b/loras/anna.safetensors", Epoch = 3, Loss = 0.0812, Metric = "trainingLoss", Bytes = 1000, Sha256 = "abc", VerifiedAt = Now };

        var result = PhaseMachine.Apply(run, new FinishEarlyInput(kept), Now);

        Assert.True(result.Accepted);
        Assert.Equal(TrainingPhase.Completed, result.Status.Phase);
        Assert.Equal(PhaseMachine.FinishedEarlyReason, result.Status.Reason);
        Assert.Equal(kept with { FinishedEarly = true }, result.Status.Output);
        Assert.Equal("finished early (spec.finish: now): epoch 3 (loss 0.0812), the best saved, at s3://b/loras/anna.safetensors", result.Status.Message);
        Assert.Equal("FinishedEarly", result.Status.Conditions.Find(ConditionTypes.Succeeded)!.Reason);
        Assert.True(result.Status.Conditions.IsTrue(ConditionTypes.Ready));
        Assert.Equal(Now, result.Status.CompletionTime);
    }

    [Fact]
    public void FinishEarly_WhileSuspended_FailsAndNoLongerSaysSuspended()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Pending).Build();
        run.Status = run.Status! with { Suspended = true };

        var status = PhaseMachine.Apply(run, new FinishEarlyInput(), Now).Status;

        Assert.Equal(TrainingPhase.Failed, status.Phase);
        Assert.False(status.Suspended);
        Assert.Equal("FinishedEarly", status.Conditions.Find(ConditionTypes.Stalled)!.Reason);
    }

    [Fact]
    public void FinishEarly_WhileTraining_IsLeftToTheAgent()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();

        Assert.False(PhaseMachine.Apply(run, new FinishEarlyInput(), Now).Accepted);
    }

    [Theory]
    [InlineData(TrainingPhase.Completed)]
    [InlineData(TrainingPhase.Failed)]
    public void FinishEarly_OnAFinishedRun_ChangesNothing(TrainingPhase phase)
    {
        var run = new TrainingRunBuilder().InPhase(phase).Build();

        var result = PhaseMachine.Apply(run, new FinishEarlyInput(), Now);

        Assert.False(result.Accepted);
        Assert.Same(run.Status, result.Status);
    }

    [Fact]
    public void AgentFailed_AtTheFinishStage_FailsWithReasonFinishedEarly()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();

        var status = PhaseMachine.Apply(run, new AgentFailedInput(3, 1, "finish", "The run was finished early (spec.finish: now) before any epoch was saved; there is nothing to keep."), Now).Status;

        Assert.Equal(TrainingPhase.Failed, status.Phase);
        Assert.Equal(PhaseMachine.FinishedEarlyReason, status.Reason);
        Assert.StartsWith("finish: The run was finished early", status.Message, StringComparison.Ordinal);
    }
}
