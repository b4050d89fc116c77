using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Api.Tests;

public sealed class PhaseDeadlinesTests
{
    private static readonly DateTimeOffset Since = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<TrainingPhase, string?, TimeSpan, string> Deadlines => new()
    {
        { TrainingPhase.PendingGpu, null, TimeSpan.FromMinutes(20), "the GPU did not report ready within 20m" },
        { TrainingPhase.PendingImages, null, TimeSpan.FromMinutes(15), "the images were not downloaded within 15m" },
        { TrainingPhase.PendingModel, null, TimeSpan.FromMinutes(30), "the base model was not ready within 30m" },
        { TrainingPhase.Training, null, TimeSpan.FromMinutes(10), "no word from the agent for 10m" },
        { TrainingPhase.PendingGpu, "90s", TimeSpan.FromSeconds(90), "the GPU did not report ready within 1m30s" },
        { TrainingPhase.PendingImages, "1h", TimeSpan.FromHours(1), "the images were not downloaded within 1h" },
        { TrainingPhase.PendingModel, "45m", TimeSpan.FromMinutes(45), "the base model was not ready within 45m" },
        { TrainingPhase.Training, "2m", TimeSpan.FromMinutes(2), "no word from the agent for 2m" },
    };

    [Theory]
    [MemberData(nameof(Deadlines))]
    public void For_EachWaitingPhase_IsItsDeadlineFromThePhaseStart(TrainingPhase phase, string? custom, TimeSpan expected, string reason)
    {
        var run = new TrainingRunBuilder().WithSpec(s => custom is null ? s : s with { RunPolicy = new RunPolicySpec { Deadlines = With(phase, custom) } })
            .InPhase(phase, since: Since).Build();

        var deadline = PhaseDeadlines.For(run);

        Assert.NotNull(deadline);
        Assert.Equal(Since + expected, deadline.At);
        Assert.Equal(reason, deadline.Reason);
    }

    [Theory]
    [InlineData(TrainingPhase.Pending)]
    [InlineData(TrainingPhase.Completed)]
    [InlineData(TrainingPhase.Failed)]
    [InlineData(TrainingPhase.Stalled)]
    public void For_APhaseWithoutAGpuToWaitOn_HasNoDeadline(TrainingPhase phase)
    {
        var run = new TrainingRunBuilder().InPhase(phase, since: Since).Build();

        Assert.Null(PhaseDeadlines.For(run));
    }

    [Fact]
    public void For_Training_CountsTheHeartbeatDeadlineFromTheLastWordOfTheAgent()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training, since: Since).Build();
        run.Status = run.Status! with { LastHeartbeatTime = Since.AddMinutes(25) };

        Assert.Equal(Since.AddMinutes(35), PhaseDeadlines.For(run)!.At);
    }

    [Fact]
    public void For_AnUnreadableDurationOnAnOldObject_FallsBackToThatPhasesDefault()
    {
        var run = new TrainingRunBuilder().WithSpec(s => s with { RunPolicy = new RunPolicySpec { Deadlines = new DeadlinesSpec { Heartbeat = "soon" } } })
            .InPhase(TrainingPhase.Training, since: Since).Build();

        Assert.Equal(Since.AddMinutes(10), PhaseDeadlines.For(run)!.At);
    }

    [Theory]
    [InlineData(TrainingPhase.PendingGpu)]
    [InlineData(TrainingPhase.PendingImages)]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Training)]
    public void ADeadlineThatPassed_StallsTheRunWithItsReason_AndOneThatHasNotIsNotDue(TrainingPhase phase)
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(1).InPhase(phase, since: Since).Build();
        var deadline = PhaseDeadlines.For(run)!;

        Assert.True(deadline.At > Since.AddSeconds(59), "a deadline is never due the moment a phase starts");

        var stalled = PhaseMachine.Apply(run, new StallInput(deadline.Reason, "11032"), deadline.At).Status;

        Assert.Equal(TrainingPhase.Stalled, stalled.Phase);
        Assert.StartsWith(deadline.Reason, stalled.Message, StringComparison.Ordinal);
        Assert.Contains("retrying on another machine (retry 1 of 1)", stalled.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Active_IsTheWholeRunsLimitFromItsStart()
    {
        var run = new TrainingRunBuilder().WithSpec(s => s with { RunPolicy = new RunPolicySpec { ActiveDeadlineSeconds = 3600 } })
            .InPhase(TrainingPhase.Training, since: Since).Build();

        var deadline = PhaseDeadlines.Active(run);

        Assert.Equal(Since.AddHours(1), deadline!.At);
        Assert.Equal("the run exceeded activeDeadlineSeconds (3600s)", deadline.Reason);
    }

    private static DeadlinesSpec With(TrainingPhase phase, string value) => phase switch
    {
        TrainingPhase.PendingGpu => new DeadlinesSpec { PendingGpu = value },
        TrainingPhase.PendingImages => new DeadlinesSpec { PendingImages = value },
        TrainingPhase.PendingModel => new DeadlinesSpec { PendingModel = value },
        _ => new DeadlinesSpec { Heartbeat = value },
    };
}
