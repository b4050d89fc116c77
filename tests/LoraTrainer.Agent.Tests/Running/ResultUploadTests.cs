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
        var header = Encoding.UTF8.GetBytes($$$"""{"__metadata__":{"ss_epoch":"{{{recordedEpoch}}}","ss_steps":"12"}}""");
        var file = _work.Combine("output", name);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllBytes(file, [.. BitConverter.GetBytes((ulong)header.Length), .. header, 1, 2, 3, 4]);
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
