using LoraTrainer.Agent.Training.Checkpoints;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class BestEpochTests
{
    private static EpochLoss E(int epoch, double loss) => new(epoch, loss, LossSources.TensorBoard);

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

        Assert.Equal([new EpochLoss(1, 0.31234, "tensorboard"), new EpochLoss(2, 0.2, "console"), new EpochLoss(3, 0.19876, "tensorboard")], merged);
    }

    [Fact]
    public void Select_UsesTheEpochMeanEvenWhenTheLastStepOfTheRunHadTheLowestLoss()
    {
        // The last step's avr_loss (what the replaced system recorded) is epoch 3's mean here, but epoch 2 is lower.
        var console = new Dictionary<int, double> { [1] = 0.31, [2] = 0.2, [3] = 0.25 };

        var best = BestEpoch.Select(BestEpoch.Merge(3, new Dictionary<int, double>(), console));

        Assert.Equal(2, best!.Epoch);
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
