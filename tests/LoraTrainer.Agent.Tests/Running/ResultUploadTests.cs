using System.Text;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests.Running;

public sealed class ResultUploadTests : IAsyncLifetime
{
    private readonly TempFolder _work = new();
    private ObjectStoreDouble _store = null!;
    private SignedReceiverDouble _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _store = await ObjectStoreDouble.StartAsync();
        _receiver = await SignedReceiverDouble.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        await _receiver.DisposeAsync();
        _work.Dispose();
    }

    private void WriteCheckpoint(string name, int recordedEpoch)
    {
        var file = _work.Combine("output", name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, Checkpoint(recordedEpoch));
    }

    private static byte[] Checkpoint(int recordedEpoch)
    {
        var header = Encoding.UTF8.GetBytes($$$"""{"__metadata__":{"ss_epoch":"{{{recordedEpoch}}}","ss_steps":"12"}}""");
        return [.. BitConverter.GetBytes((ulong)header.Length), .. header, 1, 2, 3, (byte)recordedEpoch];
    }

    /// <summary>Epoch 3 of 4 was trained by an earlier attempt and is the lowest; this attempt trained epoch 4 (the final file).</summary>
    private (TrainingResult Result, OutputTargets Outputs) ResumedAfterEpoch3(string earlierSha256)
    {
        WriteCheckpoint("anna.safetensors", recordedEpoch: 4);
        _store.Put("kept/anna-000003.safetensors", Checkpoint(3));
        var earlier = new EpochDownload
        {
            Epoch = 3, Url = _store.UrlOf("kept/anna-000003.safetensors"), Bytes = Checkpoint(3).Length, Sha256 = earlierSha256, Loss = 0.1,
        };
        var best = new EpochLossReading(3, 0.1, LossSources.EarlierAttempt);
        var result = new TrainingResult(4, [best, new EpochLossReading(4, 0.2, LossSources.TensorBoard)], best, Earlier: [earlier]);
        var outputs = new OutputTargets
        {
            Best = new UploadTarget { Url = _store.UrlOf("loras/anna.safetensors"), Key = "loras/anna.safetensors" },
            Epochs = [.. new[] { 3, 4 }.Select(e => new EpochUploadTarget { Epoch = e, Url = _store.UrlOf($"loras/anna-{e:D6}.safetensors"), Key = $"loras/anna-{e:D6}.safetensors" })],
        };
        return (result, outputs);
    }

    [Fact]
    public async Task UploadAsync_WhenAnEarlierAttemptTrainedTheBestEpoch_FetchesItsKeptFile_AndUploadsItAsTheResult()
    {
        await using var services = AgentServices.Create(_work.Path, _receiver.RunUrl, _receiver.Token);
        services.GetRequiredService<EventReporter>().Start(1, new ReportingPolicy());
        var (result, outputs) = ResumedAfterEpoch3(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Checkpoint(3))));

        await services.GetRequiredService<ResultUpload>().UploadAsync(outputs, new TrainingSetup(["x"], "anna", 4), result, TestContext.Current.CancellationToken);

        Assert.Equal(Checkpoint(3), _store.Get("loras/anna.safetensors"));
        var uploaded = await _receiver.WaitForAsync(EventKinds.Uploaded, TimeSpan.FromSeconds(10));
        Assert.Equal((3, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Checkpoint(3)))), (uploaded.Epoch, uploaded.Sha256));
        // Epoch 3's own file is already in the bucket: only epoch 4 is sent, and reported with its hash.
        Assert.Null(_store.Get("loras/anna-000003.safetensors"));
        var kept = Assert.Single(_receiver.Accepted, e => e.Kind == EventKinds.EpochUploaded);
        Assert.Equal((4, "loras/anna-000004.safetensors", Checkpoint(4).LongLength, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Checkpoint(4)))),
            (kept.Epoch, kept.Key, kept.Bytes, kept.Sha256));
    }

    [Fact]
    public async Task UploadAsync_WhenTheEarlierAttemptsFileHasAnotherHash_UploadsNothingAsTheResult()
    {
        await using var services = AgentServices.Create(_work.Path, _receiver.RunUrl, _receiver.Token);
        services.GetRequiredService<EventReporter>().Start(1, new ReportingPolicy());
        var (result, outputs) = ResumedAfterEpoch3(new string('0', 64));

        var failure = await Assert.ThrowsAsync<StageFailure>(() => services.GetRequiredService<ResultUpload>()
            .UploadAsync(outputs, new TrainingSetup(["x"], "anna", 4), result, TestContext.Current.CancellationToken));

        Assert.Equal(Stages.Upload, failure.Stage);
        Assert.Null(_store.Get("loras/anna.safetensors"));
    }

    [Fact]
    public async Task UploadAsync_WhenTheFileRecordsAnotherEpoch_RefusesToUploadIt()
    {
        WriteCheckpoint("anna-000002.safetensors", recordedEpoch: 3);
        await using var services = AgentServices.Create(_work.Path, _receiver.RunUrl, _receiver.Token);
        services.GetRequiredService<EventReporter>().Start(1, new ReportingPolicy());
        var result = new TrainingResult(3, [new EpochLossReading(2, 0.2, LossSources.Console)], new EpochLossReading(2, 0.2, LossSources.Console));
        var outputs = new OutputTargets { Best = new UploadTarget { Url = _store.UrlOf("loras/anna.safetensors"), Key = "loras/anna.safetensors" } };

        var failure = await Assert.ThrowsAsync<StageFailure>(() => services.GetRequiredService<ResultUpload>()
            .UploadAsync(outputs, new TrainingSetup(["x"], "anna", 3), result, TestContext.Current.CancellationToken));

        Assert.Equal(Stages.Upload, failure.Stage);
        Assert.Contains("ss_epoch 3, not epoch 2", failure.Message, StringComparison.Ordinal);
        Assert.Empty(_store.Requests);
    }
}
