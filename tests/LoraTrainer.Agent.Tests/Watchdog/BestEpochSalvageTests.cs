using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests.Watchdog;

public sealed class BestEpochSalvageTests
{
    [Fact]
    public async Task UploadAsync_UploadsTheBestWholeEpochAndSkipsOneCaughtMidWrite()
    {
        await using var store = await ObjectStoreDouble.StartAsync();
        using var work = new TempFolder();
        await using var services = AgentServices.Create(work.Path);
        var ledger = Saved(services, store, (1, 0.30, whole: true), (2, 0.20, whole: true), (3, 0.10, whole: false));

        var epoch = await services.GetRequiredService<BestEpochSalvage>().UploadAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, epoch);
        var file = Path.Combine(services.GetRequiredService<WorkLayout>().OutputDirectory, "run-000002.safetensors");
        Assert.Equal(await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken), store.Get("loras/run.safetensors"));
        Assert.Equal(3, ledger.Epochs.Count);
    }

    [Fact]
    public async Task UploadAsync_WhenTheRunAlreadyUploadedItsResult_UploadsNothing()
    {
        await using var store = await ObjectStoreDouble.StartAsync();
        using var work = new TempFolder();
        await using var services = AgentServices.Create(work.Path);
        var ledger = Saved(services, store, (1, 0.30, whole: true));
        ledger.Reported(new AgentEvent { Kind = EventKinds.Uploaded, Epoch = 1 });

        var epoch = await services.GetRequiredService<BestEpochSalvage>().UploadAsync(TestContext.Current.CancellationToken);

        Assert.Null(epoch);
        Assert.Empty(store.Requests);
    }

    // The ledger as the config client and the reporter leave it, with the epochs' files written as the trainer writes them.
    private static WatchdogLedger Saved(IServiceProvider services, ObjectStoreDouble store, params (int Epoch, double Loss, bool whole)[] epochs)
    {
        var ledger = services.GetRequiredService<WatchdogLedger>();
        ledger.ConfigFetched(new AgentConfig { Outputs = new OutputTargets { Best = new UploadTarget { Url = store.UrlOf("loras/run.safetensors"), Key = "loras/run.safetensors" } } });
        var output = services.GetRequiredService<WorkLayout>().OutputDirectory;
        Directory.CreateDirectory(output);
        foreach (var (epoch, loss, whole) in epochs)
        {
            var name = CheckpointFiles.FileName("run", epoch, 10);
            var bytes = Safetensors($$$"""{"__metadata__":{"ss_epoch":"{{{epoch}}}"},"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", dataBytes: 16);
            File.WriteAllBytes(Path.Combine(output, name), whole ? bytes : bytes[..^8]);
            ledger.Reported(new AgentEvent { Kind = EventKinds.EpochCompleted, Epoch = epoch, Loss = loss, File = name });
        }

        return ledger;
    }

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
