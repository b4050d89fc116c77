using System.Text;
using LoraTrainer.Agent.Tests.Training.Support;
using LoraTrainer.Agent.Training.TensorBoard;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class TfRecordReaderTests
{
    [Fact]
    public void Crc32C_MatchesTheCastagnoliCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void Read_ReturnsEveryFramedRecordInOrder()
    {
        var data = TfRecordReader.Frame("one"u8).Concat(TfRecordReader.Frame("two"u8)).ToArray();

        var records = TfRecordReader.Read(data);

        Assert.Equal(["one", "two"], records.Records.Select(r => Encoding.ASCII.GetString(r)));
        Assert.Null(records.DamagedAt);
    }

    [Fact]
    public void Read_StopsBeforeAPartiallyWrittenLastRecord()
    {
        var second = TfRecordReader.Frame("second record"u8);
        var data = TfRecordReader.Frame("first"u8).Concat(second.Take(second.Length - 5)).ToArray();

        var records = TfRecordReader.Read(data);

        Assert.Equal(["first"], records.Records.Select(r => Encoding.ASCII.GetString(r)));
        Assert.Null(records.DamagedAt);
    }

    [Fact]
    public void Read_WhenAPayloadCrcDoesNotMatch_KeepsTheRecordsBeforeAndSaysWhere()
    {
        var first = TfRecordReader.Frame("first"u8);
        var second = TfRecordReader.Frame("second"u8);
        second[14] ^= 0xFF;

        var records = TfRecordReader.Read(first.Concat(second).ToArray());

        Assert.Single(records.Records);
        Assert.Equal(first.Length, records.DamagedAt);
    }

    [Fact]
    public void EpochLossLog_ReadsEpochAverageAtFullPrecisionFromEventFiles()
    {
        using var folder = new TempFolder();
        EventFiles.Write(Path.Combine(folder.Path, "20260105100000", "network_train", "events.out.tfevents.1.host.1.0"),
            new("loss/current", 7, 0.5f), new("loss/epoch_average", 1, 0.3123456f), new("loss/epoch_average", 2, 0.2012345f), new("lr/unet", 2, 1e-4f));

        var losses = EpochLossLog.Read(folder.Path);

        Assert.Equal(2, losses.Count);
        Assert.Equal(0.3123456f, (float)losses[1]);
        Assert.Equal(0.2012345f, (float)losses[2]);
    }

    [Fact]
    public void EpochLossLog_FallsBackToTheOlderEpochTag()
    {
        using var folder = new TempFolder();
        EventFiles.Write(Path.Combine(folder.Path, "events.out.tfevents.1.host.1.0"), new TestScalar("loss/epoch", 1, 0.25f));

        Assert.Equal(0.25f, (float)EpochLossLog.Read(folder.Path)[1]);
    }

    [Fact]
    public void EpochLossLog_WithoutEventFiles_IsEmpty()
    {
        using var folder = new TempFolder();

        Assert.Empty(EpochLossLog.Read(Path.Combine(folder.Path, "missing")));
    }

    [Fact]
    public void EpochLossLog_ReadsTheValidationEpochAverageSeparatelyFromTheTrainingOne()
    {
        using var folder = new TempFolder();
        EventFiles.Write(Path.Combine(folder.Path, "20260105100000", "network_train", "events.out.tfevents.1.host.1.0"),
            new("loss/validation/step_average", 3, 0.9f), new("loss/validation/epoch_average", 1, 0.2812345f), new("loss/validation/epoch_divergence", 1, -0.02f),
            new("loss/epoch_average", 1, 0.3012345f), new("loss/validation/epoch_average", 2, 0.2412345f), new("loss/epoch_average", 2, 0.2012345f));

        var losses = EpochLossLog.ReadAll(folder.Path);

        Assert.Equal([(1, 0.3012345f), (2, 0.2012345f)], losses.Training.OrderBy(e => e.Key).Select(e => (e.Key, (float)e.Value)));
        Assert.Equal([(1, 0.2812345f), (2, 0.2412345f)], losses.Validation.OrderBy(e => e.Key).Select(e => (e.Key, (float)e.Value)));
    }

    [Fact]
    public void EpochLossLog_OfARunWithoutValidation_HasNoValidationLosses()
    {
        using var folder = new TempFolder();
        EventFiles.Write(Path.Combine(folder.Path, "events.out.tfevents.1.host.1.0"), new TestScalar("loss/epoch_average", 1, 0.25f));

        Assert.Empty(EpochLossLog.ReadAll(folder.Path).Validation);
    }
}
