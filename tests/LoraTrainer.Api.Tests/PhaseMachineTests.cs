using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Api.Tests;

public sealed class PhaseMachineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 11, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void Accept_ANewRun_StartsPendingWithSecondPrecisionTimes()
    {
        var run = new TrainingRunBuilder().Build();

        var result = PhaseMachine.Apply(run, new AcceptedInput(), Now);

        Assert.True(result.Accepted);
        Assert.Equal(TrainingPhase.Pending, result.Status.Phase);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 11, 0, 0, TimeSpan.Zero), result.Status.StartTime);
        Assert.Equal(1, result.Status.ObservedGeneration);
    }

    [Fact]
    public void Accept_Twice_IsIgnored()
    {
        var run = new TrainingRunBuilder().Build();
        run.Status = PhaseMachine.Apply(run, new AcceptedInput(), Now).Status;

        Assert.False(PhaseMachine.Apply(run, new AcceptedInput(), Now.AddMinutes(1)).Accepted);
    }

    [Fact]
    public void GpuAllocated_FromPending_IsAttemptOneAndRecordsTheGpu()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Pending).Build();
        var gpu = new GpuStatus { InstanceId = "7835610", MachineId = "11032", GpuName = "RTX 4090", PricePerHour = 0.41 };

        var status = PhaseMachine.Apply(run, new GpuAllocatedInput(gpu), Now).Status;

        Assert.Equal(TrainingPhase.PendingGpu, status.Phase);
        Assert.Equal(1, status.Attempt);
        Assert.Equal("7835610", status.Gpu!.InstanceId);
        Assert.Equal(Time.Truncate(Now), status.Gpu.AllocatedAt);
    }

    [Fact]
    public void Stall_WithRetriesLeft_ExcludesTheMachineAndTheNextAllocationIsTheNextAttempt()
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(2).InPhase(TrainingPhase.Training, attempt: 1).Build();

        run.Status = PhaseMachine.Apply(run, new StallInput("no heartbeat for 10m", "11032"), Now).Status;
        Assert.Equal(TrainingPhase.Stalled, run.Status.Phase);
        Assert.Contains("11032", run.Status.ExcludedMachines);
        Assert.Contains("retrying on another machine (retry 1 of 2)", run.Status.Message, StringComparison.Ordinal);
        Assert.False(PhaseMachine.IsTerminal(run.Status, 2));

        var retried = PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "900", MachineId = "77" }), Now.AddSeconds(5)).Status;

        Assert.Equal(TrainingPhase.PendingGpu, retried.Phase);
        Assert.Equal(2, retried.Attempt);
        Assert.Equal(0, retried.LastEventSeq);
        Assert.Empty(retried.Epochs);
        Assert.Null(retried.Output);
    }

    [Fact]
    public void ASuspendAndResume_StartsANewAttempt_WithoutUsingARetry()
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(1).InPhase(TrainingPhase.Training, attempt: 1).Build();
        var gpu = new GpuStatus { InstanceId = "901", MachineId = "78" };

        run.Status = PhaseMachine.Apply(run, new SuspendInput(), Now).Status;
        run.Status = PhaseMachine.Apply(run, new ResumeInput(), Now.AddMinutes(1)).Status;
        run.Status = PhaseMachine.Apply(run, new GpuAllocatedInput(gpu), Now.AddMinutes(2)).Status;
        Assert.Equal(2, run.Status.Attempt);
        run.Status = PhaseMachine.Apply(run, new StallInput("the host went offline", "78"), Now.AddMinutes(3)).Status;

        Assert.Equal(1, run.Status.Stalls);
        Assert.False(PhaseMachine.IsTerminal(run.Status, 1));
        Assert.EndsWith("retrying on another machine (retry 1 of 1)", run.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Stall_OnTheLastAttempt_IsTerminalAndSaysSo()
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(1).InPhase(TrainingPhase.PendingGpu, attempt: 2).Build();

        var status = PhaseMachine.Apply(run, new StallInput("GPU not ready after 20m", "11032"), Now).Status;

        Assert.Equal(TrainingPhase.Stalled, status.Phase);
        Assert.True(PhaseMachine.IsTerminal(status, 1));
        Assert.Equal("GPU not ready after 20m; no retries left (backoffLimit 1)", status.Message);
        Assert.NotNull(status.CompletionTime);
    }

    [Fact]
    public void AgentEvent_WithARepeatedOrOlderSeq_IsIgnored()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = PhaseMachine.Apply(run, new ProgressInput(5, 1, 40, 1600, 4000, 4, 10, 0.09, 100), Now).Status;

        var repeated = PhaseMachine.Apply(run, new ProgressInput(5, 1, 50, 2000, 4000, 5, 10, 0.08, 90), Now);
        var older = PhaseMachine.Apply(run, new ProgressInput(4, 1, 50, 2000, 4000, 5, 10, 0.08, 90), Now);

        Assert.False(repeated.Accepted);
        Assert.False(older.Accepted);
        Assert.Equal(40, older.Status.Progress!.Percent);
    }

    [Fact]
    public void AgentEvent_FromAnEarlierAttempt_IsIgnored()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.PendingGpu, attempt: 2).Build();

        var result = PhaseMachine.Apply(run, new GpuReadyInput(1, 1, "RTX 4090", 24564), Now);

        Assert.False(result.Accepted);
        Assert.Equal(TrainingPhase.PendingGpu, result.Status.Phase);
    }

    [Fact]
    public void EveryAcceptedAgentEvent_RefreshesTheHeartbeatAndTheSeq()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();

        var status = PhaseMachine.Apply(run, new HeartbeatInput(3, 1), Now).Status;

        Assert.Equal(Time.Truncate(Now), status.LastHeartbeatTime);
        Assert.Equal(3, status.LastEventSeq);
        Assert.Equal(TrainingPhase.Training, status.Phase);
    }

    [Fact]
    public void Training_RecordsProgressEpochLossesAndTheUpload_ThenVerificationCompletes()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = run.Status! with { Output = null };
        PhaseInput[] inputs =
        [
            new ProgressInput(1, 1, 10, 400, 4000, 1, 10, 0.12, 3000),
            new EpochCompletedInput(2, 1, 1, 0.1123),
            new EpochCompletedInput(3, 1, 2, 0.0987),
            new TrainingCompletedInput(4, 1, [new EpochLoss { Epoch = 1, Loss = 0.1123 }, new EpochLoss { Epoch = 2, Loss = 0.0987 }, new EpochLoss { Epoch = 3, Loss = 0.0991 }], 2),
            new UploadedInput(5, 1, 2, 0.0987, "s3://trained-loras/loras/anna/portrait.safetensors", 228654120, "abc"),
            new UploadVerifiedInput(),
        ];

        foreach (var input in inputs)
        {
            var result = PhaseMachine.Apply(run, input, Now);
            Assert.True(result.Accepted, input.GetType().Name);
            run.Status = result.Status;
        }

        Assert.Equal(TrainingPhase.Completed, run.Status.Phase);
        Assert.Equal([1, 2, 3], run.Status.Epochs.Select(e => e.Epoch));
        Assert.Equal(2, run.Status.Output!.Epoch);
        Assert.Equal(100, run.Status.Progress!.Percent);
        Assert.NotNull(run.Status.Output.VerifiedAt);
        Assert.NotNull(run.Status.CompletionTime);
    }

    [Fact]
    public void Training_WhenTheRunValidates_KeepsEachEpochsValidationLossAndTheMetricOfTheUpload()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = run.Status! with { Output = null };
        PhaseInput[] inputs =
        [
            new EpochCompletedInput(1, 1, 1, 0.30, ValidationLoss: 0.28),
            new EpochCompletedInput(2, 1, 2, 0.20, ValidationLoss: 0.21),
            new TrainingCompletedInput(3, 1, [new EpochLoss { Epoch = 1, Loss = 0.30, ValidationLoss = 0.28 }, new EpochLoss { Epoch = 2, Loss = 0.20, ValidationLoss = 0.21 }], 2, "validationLoss"),
            new UploadedInput(4, 1, 2, 0.21, "s3://trained-loras/loras/anna/portrait.safetensors", 1000, null, "validationLoss"),
        ];

        foreach (var input in inputs)
        {
            run.Status = PhaseMachine.Apply(run, input, Now).Status;
        }

        Assert.Equal([0.28, 0.21], run.Status.Epochs.Select(e => e.ValidationLoss));
        Assert.Equal(("validationLoss", 0.21), (run.Status.Output!.Metric, run.Status.Output.Loss));
    }

    [Fact]
    public void EpochUploaded_RecordsTheEpochsFile_AndARetryKeepsItUpToTheSavedState()
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(1).InPhase(TrainingPhase.Training).Build();
        run.Status = run.Status! with { Resume = new ResumeStatus { Epoch = 1, Key = "states/portrait/1.tar", Bytes = 10, Sha256 = new string('f', 64) } };
        foreach (var input in new PhaseInput[]
        {
            new EpochCompletedInput(1, 1, 1, 0.3), new EpochUploadedInput(2, 1, 1, 1000, new string('a', 64)),
            new EpochCompletedInput(3, 1, 2, 0.2), new EpochUploadedInput(4, 1, 2, 1001, new string('b', 64)),
        })
        {
            run.Status = PhaseMachine.Apply(run, input, Now).Status;
        }

        Assert.Equal([(1000L, new string('a', 64)), (1001L, new string('b', 64))], run.Status.Epochs.Select(e => (e.Bytes!.Value, e.Sha256!)));
        run.Status = PhaseMachine.Apply(run, new StallInput("the host died", "101"), Now).Status;
        run.Status = PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "2" }), Now).Status;

        Assert.Equal(2, run.Status.Attempt);
        var kept = Assert.Single(run.Status.Epochs);
        Assert.Equal((1, new string('a', 64)), (kept.Epoch, kept.Sha256));
    }

    [Fact]
    public void UploadVerified_BeforeAnyUpload_IsIgnored()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = run.Status! with { Output = null };

        Assert.False(PhaseMachine.Apply(run, new UploadVerifiedInput(), Now).Accepted);
    }

    [Fact]
    public void AgentFailed_KeepsTheStageAndReasonInTheMessage()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();

        var status = PhaseMachine.Apply(run, new AgentFailedInput(1, 1, "training", "CUDA out of memory"), Now).Status;

        Assert.Equal(TrainingPhase.Failed, status.Phase);
        Assert.Equal("training: CUDA out of memory", status.Message);
    }

    [Fact]
    public void Apply_IsPure_TheInputRunIsNotModified()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.PendingGpu).Build();
        var before = run.Status;

        _ = PhaseMachine.Apply(run, new GpuReadyInput(1, 1, "RTX 4090", 1), Now);

        Assert.Same(before, run.Status);
        Assert.Equal(TrainingPhase.PendingGpu, run.Status!.Phase);
    }

    [Fact]
    public void Suspend_WhileTraining_ReturnsToPendingAndBlocksAllocationUntilResumed()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = PhaseMachine.Apply(run, new SuspendInput(), Now).Status;
        Assert.Equal(TrainingPhase.Pending, run.Status.Phase);
        Assert.True(run.Status.Suspended);
        Assert.Equal("Suspended", run.Status.Conditions.Find(ConditionTypes.Ready)!.Reason);
        Assert.False(run.Status.Conditions.IsTrue(ConditionTypes.Reconciling));

        Assert.False(PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "1" }), Now).Accepted);

        run.Status = PhaseMachine.Apply(run, new ResumeInput(), Now).Status;
        var allocated = PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "2" }), Now);
        Assert.True(allocated.Accepted);
        Assert.Equal(TrainingPhase.PendingGpu, allocated.Status.Phase);
    }
    [Fact]
    public void RaisingTheBackoffLimit_AfterARunStalledForGood_DoesNotBringItBack()
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(0).InPhase(TrainingPhase.Training, attempt: 1).Build();
        run.Status = PhaseMachine.Apply(run, new StallInput("no heartbeat for 10m", "11032"), Now).Status;
        Assert.True(PhaseMachine.IsTerminal(run));

        run.Spec = run.Spec with { RunPolicy = run.Spec.RunPolicy! with { BackoffLimit = 5 } };

        Assert.True(PhaseMachine.IsTerminal(run));
        Assert.False(PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "900" }), Now.AddMinutes(1)).Accepted);
        Assert.Equal(Time.Truncate(Now), PhaseMachine.FinishedAt(run));
    }

    [Fact]
    public void LoweringTheBackoffLimit_DuringARetry_EndsTheRunFromWhenItStalled()
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(2).InPhase(TrainingPhase.Training, attempt: 1).Build();
        run.Status = PhaseMachine.Apply(run, new StallInput("no heartbeat for 10m", "11032"), Now).Status;
        Assert.False(PhaseMachine.IsTerminal(run));
        Assert.Null(PhaseMachine.FinishedAt(run));

        run.Spec = run.Spec with { RunPolicy = run.Spec.RunPolicy! with { BackoffLimit = 0 } };

        Assert.True(PhaseMachine.IsTerminal(run));
        Assert.Equal(Time.Truncate(Now), PhaseMachine.FinishedAt(run));
    }
}
