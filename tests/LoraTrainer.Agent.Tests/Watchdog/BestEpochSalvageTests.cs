using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Watchdog;

namespace LoraTrainer.Agent.Tests.Watchdog;

public sealed class BestEpochSalvageTests
{
    [Fact]
    public void Choose_TakesTheLowestLossAndOnATieTheLaterEpoch()
    {
        SavedEpoch[] finished = [new(1, 0.30, "a-000001.safetensors"), new(2, 0.20, "a-000002.safetensors"), new(3, 0.25, "a-000003.safetensors"), new(4, 0.20, "a-000004.safetensors")];

        Assert.Equal(4, BestEpochSalvage.Choose(finished)!.Epoch);
    }

    [Fact]
    public void Choose_SkipsEpochsWithoutAUsableLoss()
    {
        SavedEpoch[] finished = [new(1, 0.30, "a-000001.safetensors"), new(2, double.NaN, "a-000002.safetensors"), new(3, null, "a-000003.safetensors")];

        Assert.Equal(1, BestEpochSalvage.Choose(finished)!.Epoch);
    }

    [Fact]
    public void Choose_WhenNoEpochHasALoss_TakesTheLatest()
    {
        SavedEpoch[] finished = [new(1, null, "a-000001.safetensors"), new(2, null, "a-000002.safetensors")];

        Assert.Equal(2, BestEpochSalvage.Choose(finished)!.Epoch);
    }

    [Fact]
    public void Choose_WithNothingSaved_ChoosesNothing()
    {
        Assert.Null(BestEpochSalvage.Choose([]));
    }

    [Fact]
    public void IsComplete_TellsAWholeCheckpointFromOneCaughtMidWrite()
    {
        using var folder = new TempFolder();
        var whole = folder.Combine("whole.safetensors");
        File.WriteAllBytes(whole, Safetensors("""{"__metadata__":{"ss_epoch":"2"},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", dataBytes: 16));
        var cut = folder.Combine("cut.safetensors");
        File.WriteAllBytes(cut, File.ReadAllBytes(whole)[..^5]);
        var headerOnly = folder.Combine("header-only.safetensors");
        File.WriteAllBytes(headerOnly, File.ReadAllBytes(whole)[..6]);

        Assert.True(SafetensorsHeader.IsComplete(whole));
        Assert.False(SafetensorsHeader.IsComplete(cut));
        Assert.False(SafetensorsHeader.IsComplete(headerOnly));
    }

    private static byte[] Safetensors(string header, int dataBytes)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(header);
        var length = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        return [.. length, .. json, .. new byte[dataBytes]];
    }
}
