using LoraTrainer.Api;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>Which of a run's files in its bucket go once it ends, and which epoch it finishes with between attempts.</summary>
public sealed class RunLeftoversTests
{
    private static EpochLoss Kept(int epoch, double loss, double? validation = null) =>
        new() { Epoch = epoch, Loss = loss, ValidationLoss = validation, Bytes = 1000 + epoch, Sha256 = new string((char)('a' + epoch), 64) };

    private static TrainingRun Run(TrainingPhase phase, KeepPolicy keep, ResumeStatus? resume)
    {
        var run = new TrainingRunBuilder().WithSpec(s => s with { Output = s.Output with { Keep = keep } }).InPhase(phase).Build();
        run.Status = run.Status! with { Epochs = [Kept(1, 0.2), new EpochLoss { Epoch = 2, Loss = 0.1 }, Kept(3, 0.15)], Resume = resume };
        return run;
    }

    private static readonly ResumeStatus State = new() { Epoch = 3, Key = "loras/anna/states/portrait/1.tar", Bytes = 10, Sha256 = new string('f', 64) };

    [Fact]
    public void Of_ACompletedRunKeepingTheBest_IsEveryKeptEpochFileAndTheState()
    {
        var run = Run(TrainingPhase.Completed, KeepPolicy.Best, State);

        Assert.Equal(["loras/anna/portrait-000001.safetensors", "loras/anna/portrait-000003.safetensors", State.Key],
            RunLeftovers.Of(run).Select(f => f.Key));
    }

    [Fact]
    public void Of_ACompletedRunKeepingAll_IsTheStateAlone()
    {
        Assert.Equal([State.Key], RunLeftovers.Of(Run(TrainingPhase.Completed, KeepPolicy.All, State)).Select(f => f.Key));
    }

    [Theory]
    [InlineData(TrainingPhase.Failed)]
    [InlineData(TrainingPhase.Stalled)]
    [InlineData(TrainingPhase.Training)]
    public void Of_ARunNotCompleted_IsNothing_SinceItMayStillBeFinishedOrRetriedFromThem(TrainingPhase phase)
    {
        Assert.Empty(RunLeftovers.Of(Run(phase, KeepPolicy.Best, State)));
    }

    [Fact]
    public void Of_ACompletedRunWhoseStateUploadIsStillOpen_IsNothingUntilTheUploadIsSettled()
    {
        var open = State with { Upload = new StateUploadStatus { Key = "loras/anna/states/portrait/2.tar", UploadId = "u", PartSize = 5, Parts = 1 } };

        Assert.Empty(RunLeftovers.Of(Run(TrainingPhase.Completed, KeepPolicy.Best, open)));
    }

    [Fact]
    public void BestKept_ChoosesAmongTheEpochsWhoseFilesAreKept_ByTheLowestLoss()
    {
        var best = EpochSelection.BestKept(Run(TrainingPhase.Stalled, KeepPolicy.Best, State))!;

        // Epoch 2 has the lowest loss, but its file was never kept.
        Assert.Equal((3, "trainingLoss"), (best.Epoch.Epoch, best.Metric));
    }

    [Fact]
    public void BestKept_OfARunThatValidated_ChoosesByValidationLoss()
    {
        var run = Run(TrainingPhase.Stalled, KeepPolicy.Best, State);
        run.Status = run.Status! with { Epochs = [Kept(1, 0.10, 0.30), Kept(2, 0.20, 0.25), Kept(3, 0.15, 0.28)] };

        var best = EpochSelection.BestKept(run)!;

        Assert.Equal((2, "validationLoss"), (best.Epoch.Epoch, best.Metric));
    }
}
