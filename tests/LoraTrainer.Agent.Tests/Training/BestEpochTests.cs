using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Training.TensorBoard;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class BestEpochTests
{
    private static EpochLossReading E(int epoch, double loss, double? validation = null) => new(epoch, loss, LossSources.TensorBoard, validation);

    [Fact]
    public void Select_PicksTheLowestEpochMeanNotTheLastEpoch()
    {
        var best = BestEpoch.Select([E(1, 0.30), E(2, 0.20), E(3, 0.25)]);

        Assert.Equal(2, best!.Epoch);
        Assert.Equal(0.20, best.Loss);
    }

    [Fact]
    public void Select_NeverChoosesANaNOrInfiniteEpoch()
    {
        var best = BestEpoch.Select([E(1, 0.30), E(2, double.NaN), E(3, double.NegativeInfinity), E(4, 0.29)]);

        Assert.Equal(4, best!.Epoch);
    }

    [Fact]
    public void Select_OnATie_ChoosesTheLaterEpoch()
    {
        Assert.Equal(3, BestEpoch.Select([E(1, 0.3), E(2, 0.1), E(3, 0.1), E(4, 0.2)])!.Epoch);
    }

    [Fact]
    public void WithEarlier_ChoosesOverEveryAttempt_AndNamesTheEarlierEpochsWhoseFilesMustBeFetched()
    {
        // The first attempt trained 1 to 7 and saved its state at 6; this one continued with 7 to 10.
        var earlier = new[] { 0.30, 0.25, 0.10, 0.22, 0.21, 0.20 }
            .Select((loss, i) => new EpochDownload { Epoch = i + 1, Loss = loss, Url = $"https://s3.example/e{i + 1}" }).ToList();
        IReadOnlyList<EpochLossReading> trained = [E(7, 0.19), E(8, 0.18), E(9, 0.17), E(10, 0.16)];

        var (epochs, taken) = BestEpoch.WithEarlier(trained, earlier);
        var choice = BestEpoch.Choose(epochs, byValidation: false)!;

        Assert.Equal(Enumerable.Range(1, 10), epochs.Select(e => e.Epoch));
        Assert.Equal(3, choice.Epoch.Epoch);
        Assert.Equal(LossSources.EarlierAttempt, choice.Epoch.Source);
        Assert.Equal(Enumerable.Range(1, 6), taken.Select(e => e.Epoch));
    }

    [Fact]
    public void WithEarlier_WhenThisMachineLoggedAnEpochItself_ItsOwnReadingWins()
    {
        var (epochs, taken) = BestEpoch.WithEarlier([E(1, 0.3), E(2, 0.2)], [new EpochDownload { Epoch = 2, Loss = 0.01 }]);

        Assert.Equal([0.3, 0.2], epochs.Select(e => e.Loss));
        Assert.Empty(taken);
    }

    [Fact]
    public void Select_WithNoUsableEpoch_IsNull()
    {
        Assert.Null(BestEpoch.Select([E(1, double.NaN)]));
    }

    [Fact]
    public void Merge_PrefersTheFullPrecisionTensorBoardValueAndFallsBackToTheConsole()
    {
        var tensorBoard = new Dictionary<int, double> { [1] = 0.31234, [3] = 0.19876 };
        var console = new Dictionary<int, double> { [1] = 0.312, [2] = 0.2, [3] = 0.199 };

        var merged = BestEpoch.Merge(3, tensorBoard, console);

        Assert.Equal([new EpochLossReading(1, 0.31234, "tensorboard"), new EpochLossReading(2, 0.2, "console"), new EpochLossReading(3, 0.19876, "tensorboard")], merged);
    }

    [Fact]
    public void Select_UsesTheEpochMeanEvenWhenTheLastStepOfTheRunHadTheLowestLoss()
    {
        // The last step's avr_loss (what the replaced system recorded) is epoch 3's mean here, but epoch 2 is lower.
        var console = new Dictionary<int, double> { [1] = 0.31, [2] = 0.2, [3] = 0.25 };

        var best = BestEpoch.Select(BestEpoch.Merge(3, new Dictionary<int, double>(), console));

        Assert.Equal(2, best!.Epoch);
    }

    [Fact]
    public void Choose_WhenTheRunValidates_PicksTheLowestValidationLossNotTheLowestTrainingLoss()
    {
        var choice = BestEpoch.Choose([E(1, 0.30, 0.28), E(2, 0.20, 0.24), E(3, 0.25, 0.21)], byValidation: true);

        Assert.Equal((3, SelectionMetrics.ValidationLoss, 0.21), (choice!.Epoch.Epoch, choice.Metric, choice.Loss));
    }

    [Fact]
    public void Choose_WithoutValidation_PicksTheLowestTrainingLossAndSaysSo()
    {
        var choice = BestEpoch.Choose([E(1, 0.30, 0.28), E(2, 0.20, 0.24), E(3, 0.25, 0.21)], byValidation: false);

        Assert.Equal((2, SelectionMetrics.TrainingLoss, 0.20), (choice!.Epoch.Epoch, choice.Metric, choice.Loss));
    }

    [Fact]
    public void Choose_WhenOnlySomeEpochsWereValidated_ChoosesAmongThoseOnly()
    {
        // validate_every_n_epochs = 2: epochs 1 and 3 have no validation loss and cannot be judged by it.
        var choice = BestEpoch.Choose([E(1, 0.10), E(2, 0.30, 0.26), E(3, 0.09), E(4, 0.25, 0.27)], byValidation: true);

        Assert.Equal((2, SelectionMetrics.ValidationLoss), (choice!.Epoch.Epoch, choice.Metric));
    }

    [Fact]
    public void Choose_WhenTheRunValidatesButNoEpochHasAUsableValidationLoss_FallsBackToTrainingLoss()
    {
        var choice = BestEpoch.Choose([E(1, 0.30, double.NaN), E(2, 0.20)], byValidation: true);

        Assert.Equal((2, SelectionMetrics.TrainingLoss), (choice!.Epoch.Epoch, choice.Metric));
    }

    [Fact]
    public void Choose_OnAValidationTie_ChoosesTheLaterEpoch()
    {
        Assert.Equal(3, BestEpoch.Choose([E(1, 0.3, 0.2), E(2, 0.1, 0.15), E(3, 0.2, 0.15)], byValidation: true)!.Epoch.Epoch);
    }

    [Fact]
    public void Merge_TakesTheValidationLossFromTensorBoardOrElseTheConsole()
    {
        var tensorBoard = new EpochLosses(new Dictionary<int, double> { [1] = 0.30123, [2] = 0.20123 }, new Dictionary<int, double> { [1] = 0.28123 });
        var console = new Dictionary<int, double> { [1] = 0.301, [2] = 0.201 };
        var consoleValidation = new Dictionary<int, double> { [1] = 0.281, [2] = 0.241 };

        var merged = BestEpoch.Merge(2, tensorBoard, console, consoleValidation);

        Assert.Equal([new EpochLossReading(1, 0.30123, "tensorboard", 0.28123), new EpochLossReading(2, 0.20123, "tensorboard", 0.241)], merged);
    }

    [Theory]
    [InlineData(1, 10, "anna-000001.safetensors")]
    [InlineData(9, 10, "anna-000009.safetensors")]
    [InlineData(10, 10, "anna.safetensors")]
    [InlineData(1, 1, "anna.safetensors")]
    public void FileName_GivesTheFinalEpochNoSuffix(int epoch, int total, string expected)
    {
        Assert.Equal(expected, CheckpointFiles.FileName("anna", epoch, total));
    }
}
