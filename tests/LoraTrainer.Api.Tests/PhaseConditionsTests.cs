using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Api.Tests;

/// <summary>The conditions each phase implies, as kstatus (Flux) and Argo CD read them.</summary>
public sealed class PhaseConditionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    [Theory]
    //                          phase                       Ready  Reconciling Stalled Succeeded Failed  kstatus
    [InlineData(TrainingPhase.Pending, false, true, false, false, false, "InProgress")]
    [InlineData(TrainingPhase.PendingGpu, false, true, false, false, false, "InProgress")]
    [InlineData(TrainingPhase.PendingImages, false, true, false, false, false, "InProgress")]
    [InlineData(TrainingPhase.PendingModel, false, true, false, false, false, "InProgress")]
    [InlineData(TrainingPhase.Training, false, true, false, false, false, "InProgress")]
    [InlineData(TrainingPhase.Completed, true, false, false, true, false, "Current")]
    [InlineData(TrainingPhase.Failed, false, false, true, false, true, "Failed")]
    public void For_EachPhase_ImpliesTheseConditions(TrainingPhase phase, bool ready, bool reconciling, bool stalled, bool succeeded, bool failed, string kstatus)
    {
        var status = new TrainingRunStatus { Phase = phase, Attempt = 1, Message = "m" };

        var conditions = Conditions.Merge([], PhaseConditions.For(status, backoffLimit: 2, generation: 3), Now);

        Assert.Equal(ready, conditions.IsTrue(ConditionTypes.Ready));
        Assert.Equal(reconciling, conditions.IsTrue(ConditionTypes.Reconciling));
        Assert.Equal(stalled, conditions.IsTrue(ConditionTypes.Stalled));
        Assert.Equal(succeeded, conditions.IsTrue(ConditionTypes.Succeeded));
        Assert.Equal(failed, conditions.IsTrue(ConditionTypes.Failed));
        Assert.All(conditions, c => Assert.Equal(3, c.ObservedGeneration));
        Assert.Equal(kstatus, KStatus(conditions));
    }

    [Fact]
    public void APlannedDryRun_IsCurrent_WithTheReasonDryRun()
    {
        var run = new TrainingRunBuilder().WithSpec(s => s with { DryRun = true }).InPhase(TrainingPhase.Pending).Build();

        var planned = PhaseMachine.Apply(run, new PlannedInput(new PlanStatus { OfferId = "5520193", PricePerHour = 0.4 }, "dry run: would rent RTX 4090"), Now);

        Assert.True(planned.Accepted);
        Assert.Equal("Current", KStatus(planned.Status.Conditions));
        Assert.True(planned.Status.Conditions.IsTrue(ConditionTypes.Ready));
        Assert.All(planned.Status.Conditions, c => Assert.Equal("DryRun", c.Reason));
        Assert.Equal("dry run: would rent RTX 4090", planned.Status.Conditions.Find(ConditionTypes.Ready)!.Message);
    }

    [Fact]
    public void AFailure_CarriesItsReasonIntoStatusAndConditions_AndALaterPhaseDropsIt()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();

        var failed = PhaseMachine.Apply(run, new FailInput("the run has spent $5.00, reaching maxCostUsd ($5.00)", "BudgetExceeded"), Now).Status;

        Assert.Equal("BudgetExceeded", failed.Reason);
        Assert.Equal("BudgetExceeded", failed.Conditions.Find(ConditionTypes.Failed)!.Reason);
        var pending = new TrainingRunBuilder().InPhase(TrainingPhase.Pending).Build();
        pending.Status = pending.Status! with { Reason = "DryRun" };
        var allocated = PhaseMachine.Apply(pending, new GpuAllocatedInput(new GpuStatus { InstanceId = "1", MachineId = "2" }), Now).Status;
        Assert.Null(allocated.Reason);
        Assert.Equal("PendingGpu", allocated.Conditions.Find(ConditionTypes.Reconciling)!.Reason);
    }

    [Fact]
    public void Refresh_OfAStatusWrittenBetweenSteps_BringsTheConditionsMessageUpToDate()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Pending).Build();
        run.Status = PhaseMachine.Refresh(run, run.Status!, Now);

        var refreshed = PhaseMachine.Refresh(run, run.Status with { Message = "no GPU yet: no RTX 4090 under $0.50/h" }, Now.AddMinutes(1));

        Assert.All(refreshed.Conditions, c => Assert.Equal("no GPU yet: no RTX 4090 under $0.50/h", c.Message));
        Assert.Equal(run.Status.Conditions.Find(ConditionTypes.Reconciling)!.LastTransitionTime, refreshed.Conditions.Find(ConditionTypes.Reconciling)!.LastTransitionTime);
    }

    [Fact]
    public void For_StalledWithRetriesLeft_IsStillInProgress()
    {
        var status = new TrainingRunStatus { Phase = TrainingPhase.Stalled, Attempt = 1 };

        var conditions = Conditions.Merge([], PhaseConditions.For(status, backoffLimit: 2, generation: 1), Now);

        Assert.Equal("InProgress", KStatus(conditions));
        Assert.Equal("Retrying", conditions.Find(ConditionTypes.Reconciling)!.Reason);
    }

    [Fact]
    public void For_StalledWithNoRetriesLeft_IsFailed()
    {
        var status = new TrainingRunStatus { Phase = TrainingPhase.Stalled, Attempt = 3, Stalls = 3 };

        var conditions = Conditions.Merge([], PhaseConditions.For(status, backoffLimit: 2, generation: 1), Now);

        Assert.Equal("Failed", KStatus(conditions));
        Assert.True(conditions.IsTrue(ConditionTypes.Failed));
    }

    [Fact]
    public void Merge_KeepsTheTransitionTimeWhenOnlyTheReasonChanges()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.PendingGpu).Build();
        run.Status = PhaseMachine.Apply(run, new StallInput("x", null), Now).Status with { Phase = TrainingPhase.PendingGpu };
        run.Status = PhaseMachine.Apply(run, new GpuReadyInput(1, 1, "RTX 4090", 1), Now).Status;
        var reconcilingAt = run.Status.Conditions.Find(ConditionTypes.Reconciling)!.LastTransitionTime;

        var later = PhaseMachine.Apply(run, new ImagesDownloadedInput(2, 1, 3, 3, 3), Now.AddMinutes(5)).Status;

        Assert.Equal(reconcilingAt, later.Conditions.Find(ConditionTypes.Reconciling)!.LastTransitionTime);
        Assert.Equal("PendingModel", later.Conditions.Find(ConditionTypes.Reconciling)!.Reason);
    }

    [Fact]
    public void Merge_MovesTheTransitionTimeWhenTheStatusFlips()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = PhaseMachine.Apply(run, new HeartbeatInput(1, 1), Now).Status;

        var completed = PhaseMachine.Apply(run, new UploadVerifiedInput(), Now.AddMinutes(7)).Status;

        Assert.Equal(Now.AddMinutes(7), completed.Conditions.Find(ConditionTypes.Ready)!.LastTransitionTime);
        Assert.Equal(Now, completed.Conditions.Find(ConditionTypes.Stalled)!.LastTransitionTime);
    }

    /// <summary>kstatus's reading of a resource whose observedGeneration is current.</summary>
    private static string KStatus(IReadOnlyList<Condition> conditions) =>
        conditions.IsTrue(ConditionTypes.Reconciling) ? "InProgress"
        : conditions.IsTrue(ConditionTypes.Stalled) ? "Failed"
        : "Current";
}
