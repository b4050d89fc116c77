using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Api.Tests;

/// <summary>Every ordered pair of phases: reachable by some input exactly when the state machine allows it.</summary>
public sealed class PhaseTransitionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 11, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Allowed moves; "stalled" here has retries left (see the terminal-stall test for the other case). The only move
    /// backwards, to pending, is the user's suspend.
    /// </summary>
    private static readonly Dictionary<TrainingPhase, TrainingPhase[]> Allowed = new()
    {
        [TrainingPhase.Pending] = [TrainingPhase.PendingGpu, TrainingPhase.Failed],
        [TrainingPhase.PendingGpu] = [TrainingPhase.Pending, TrainingPhase.PendingImages, TrainingPhase.Interrupted, TrainingPhase.Stalled, TrainingPhase.Failed],
        [TrainingPhase.PendingImages] = [TrainingPhase.Pending, TrainingPhase.PendingModel, TrainingPhase.Interrupted, TrainingPhase.Stalled, TrainingPhase.Failed],
        [TrainingPhase.PendingModel] = [TrainingPhase.Pending, TrainingPhase.Training, TrainingPhase.Interrupted, TrainingPhase.Stalled, TrainingPhase.Failed],
        [TrainingPhase.Training] = [TrainingPhase.Pending, TrainingPhase.Completed, TrainingPhase.Interrupted, TrainingPhase.Stalled, TrainingPhase.Failed],
        // Interrupted returns to the phase it left (training, as the builder makes it).
        [TrainingPhase.Interrupted] = [TrainingPhase.Pending, TrainingPhase.Training, TrainingPhase.Stalled, TrainingPhase.Failed],
        [TrainingPhase.Stalled] = [TrainingPhase.Pending, TrainingPhase.PendingGpu, TrainingPhase.Failed],
        [TrainingPhase.Completed] = [],
        [TrainingPhase.Failed] = [],
    };

    /// <summary>One input of every kind, each valid somewhere.</summary>
    private static IEnumerable<PhaseInput> EveryInput(int attempt) =>
    [
        new AcceptedInput(),
        new GpuAllocatedInput(new GpuStatus { InstanceId = "900", MachineId = "77", GpuName = "RTX 4090", PricePerHour = 0.4 }),
        new StallInput("deadline passed", "11032"),
        new InterruptedInput("Vast paused the instance"),
        new InstanceResumedInput(),
        new UploadVerifiedInput(),
        new FailInput("cost limit reached", "CostLimitReached"),
        new GpuReadyInput(1, attempt, "RTX 4090", 24564),
        new ImagesDownloadedInput(1, attempt, 38, 38, 91233422),
        new ModelDownloadedInput(1, attempt, 6938078334, null),
        new ReadyInput(1, attempt),
        new ProgressInput(1, attempt, 40, 1600, 4000, 4, 10, 0.0931, 2710),
        new EpochCompletedInput(1, attempt, 4, 0.0931),
        new TrainingCompletedInput(1, attempt, [new EpochLoss { Epoch = 1, Loss = 0.1 }], 1),
        new UploadedInput(1, attempt, 7, 0.0902, "s3://b/k", 100, null),
        new AgentFailedInput(1, attempt, "training", "CUDA out of memory"),
        new HeartbeatInput(1, attempt),
        new SuspendInput(),
        new ResumeInput(),
    ];

    public static TheoryData<TrainingPhase, TrainingPhase> EveryPhasePair()
    {
        var data = new TheoryData<TrainingPhase, TrainingPhase>();
        foreach (var from in TrainingPhases.All)
        {
            foreach (var to in TrainingPhases.All.Where(p => p != from))
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPhasePair))]
    public void Transition_IsReachableExactlyWhenAllowed(TrainingPhase from, TrainingPhase to)
    {
        var run = new TrainingRunBuilder().InPhase(from).Build();

        var reachable = EveryInput(run.Status!.Attempt)
            .Select(input => PhaseMachine.Apply(run, input, Now))
            .Where(result => result.Accepted)
            .Select(result => result.Status.Phase)
            .ToHashSet();

        Assert.Equal(Allowed[from].Contains(to), reachable.Contains(to));
    }

    [Theory]
    [InlineData(TrainingPhase.Completed)]
    [InlineData(TrainingPhase.Failed)]
    public void Apply_AfterATerminalPhase_AcceptsNothingAndChangesNothing(TrainingPhase terminal)
    {
        var run = new TrainingRunBuilder().InPhase(terminal).Build();

        foreach (var input in EveryInput(1))
        {
            var result = PhaseMachine.Apply(run, input, Now);
            Assert.False(result.Accepted, input.GetType().Name);
            Assert.Same(run.Status, result.Status);
        }
    }

    [Fact]
    public void Apply_WhenStalledWithNoRetriesLeft_IsTerminal()
    {
        var run = new TrainingRunBuilder().WithBackoffLimit(1).InPhase(TrainingPhase.Stalled, attempt: 2).Build();

        Assert.True(PhaseMachine.IsTerminal(run.Status, 1));
        Assert.All(EveryInput(2), input => Assert.False(PhaseMachine.Apply(run, input, Now).Accepted));
    }

    [Fact]
    public void GpuAllocated_OnARetryAfterASavedState_KeepsTheEpochsUpToThatState_AndDropsTheOnesTrainedAgain()
    {
        var stalled = new TrainingRunBuilder().InPhase(TrainingPhase.Stalled).Build();
        var run = new TrainingRunBuilder().WithStatus(stalled.Status! with
        {
            Epochs = [.. Enumerable.Range(1, 7).Select(e => new EpochLoss { Epoch = e, Loss = 0.1 * e })],
            Resume = new ResumeStatus { Epoch = 6, Key = "loras/anna/states/portrait/1.tar", Bytes = 10, Sha256 = new string('a', 64) },
        }).Build();

        var result = PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "901", MachineId = "78" }), Now);

        Assert.True(result.Accepted);
        Assert.Equal(2, result.Status.Attempt);
        Assert.Equal([1, 2, 3, 4, 5, 6], result.Status.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public void GpuAllocated_OnARetryWithoutASavedState_StartsTheCurveAfresh()
    {
        var stalled = new TrainingRunBuilder().InPhase(TrainingPhase.Stalled).Build();
        var run = new TrainingRunBuilder().WithStatus(stalled.Status! with { Epochs = [new EpochLoss { Epoch = 1, Loss = 0.2 }] }).Build();

        var result = PhaseMachine.Apply(run, new GpuAllocatedInput(new GpuStatus { InstanceId = "901", MachineId = "78" }), Now);

        Assert.Empty(result.Status.Epochs);
    }

    [Theory]
    [InlineData(TrainingPhase.PendingImages)]
    [InlineData(TrainingPhase.PendingModel)]
    [InlineData(TrainingPhase.Training)]
    public void GpuReady_ArrivingLate_DoesNotMoveTheRunBackwards(TrainingPhase phase)
    {
        var run = new TrainingRunBuilder().InPhase(phase).Build();

        var result = PhaseMachine.Apply(run, new GpuReadyInput(5, 1, "RTX 4090", 24564), Now);

        Assert.False(result.Accepted);
        Assert.Equal(phase, result.Status.Phase);
    }

    [Fact]
    public void ImagesDownloaded_InPendingGpu_CannotSkipPendingImages()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.PendingGpu).Build();

        var result = PhaseMachine.Apply(run, new ImagesDownloadedInput(1, 1, 38, 38, 1000), Now);

        Assert.False(result.Accepted);
        Assert.Equal(TrainingPhase.PendingGpu, result.Status.Phase);
    }
}
