using System.Net;
using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook.Tests;

public sealed class UploadKeyTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private static AgentEvent Uploaded(string key, int epoch = 2) =>
        new() { Seq = 1, Kind = EventKinds.Uploaded, Attempt = 1, Epoch = epoch, Loss = 0.09, Key = key, Bytes = 1234, Sha256 = new string('c', 64) };

    [Fact]
    public async Task AnUploadOfTheRunsOwnKey_IsRecordedAsItsOutput()
    {
        var token = _receiver.SeedRun("own", TrainingPhase.Training);

        var ack = await _receiver.PostOkAsync("own", token, Uploaded(ReceiverFixture.BestKey("own")));

        Assert.True(ack.Accepted);
        Assert.Equal($"s3://trained-loras/{ReceiverFixture.BestKey("own")}", _receiver.Run("own").Status!.Output!.Uri);
    }

    [Theory]
    [InlineData("loras/anna/someone-else.safetensors")]
    [InlineData("loras/anna/own-000002.safetensors")]
    [InlineData("../loras/anna/own.safetensors")]
    public async Task AnUploadOfAnyOtherKey_Is400_AndTheRunKeepsNoOutput(string key)
    {
        var token = _receiver.SeedRun("own", TrainingPhase.Training);

        using var response = await _receiver.PostAsync("own", token, Uploaded(key));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not one of this run's output keys", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var status = _receiver.Run("own").Status!;
        Assert.Null(status.Output);
        Assert.Equal(0, status.LastEventSeq);
    }

    [Fact]
    public async Task ARunKeepingAllEpochs_AcceptsAnEpochKeyOfItsConfig()
    {
        var token = _receiver.SeedRun("all", TrainingPhase.Training, keepAll: true);

        var ack = await _receiver.PostOkAsync("all", token, Uploaded(ReceiverFixture.EpochKey("all", 2)));

        Assert.True(ack.Accepted);
        Assert.Equal($"s3://trained-loras/{ReceiverFixture.EpochKey("all", 2)}", _receiver.Run("all").Status!.Output!.Uri);
    }

    private static AgentEvent EpochUploaded(string key, int epoch, string sha256) =>
        new() { Seq = 1, Kind = EventKinds.EpochUploaded, Attempt = 1, Epoch = epoch, Key = key, Bytes = 4321, Sha256 = sha256 };

    [Fact]
    public async Task AnEpochUploadedOfThatEpochsOwnKey_RecordsItsSizeAndHashInStatus()
    {
        var token = _receiver.SeedRun("all", TrainingPhase.Training, keepAll: true);

        var ack = await _receiver.PostOkAsync("all", token, EpochUploaded(ReceiverFixture.EpochKey("all", 2), 2, new string('d', 64)));

        Assert.True(ack.Accepted);
        var epoch = Assert.Single(_receiver.Run("all").Status!.Epochs, e => e.Epoch == 2);
        Assert.Equal((4321L, new string('d', 64)), (epoch.Bytes, epoch.Sha256));
    }

    [Theory]
    [InlineData(3, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd", "is not this run's key for epoch 2")]
    [InlineData(2, "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD", "sha256 (64 lowercase hex digits)")]
    [InlineData(2, "dddd", "sha256 (64 lowercase hex digits)")]
    public async Task AnEpochUploadedNamingAnotherEpochsKeyOrAMalformedHash_Is400_AndRecordsNothing(int keyEpoch, string sha256, string error)
    {
        var token = _receiver.SeedRun("all", TrainingPhase.Training, keepAll: true);

        using var response = await _receiver.PostAsync("all", token, EpochUploaded(ReceiverFixture.EpochKey("all", keyEpoch), 2, sha256));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(error, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.DoesNotContain(_receiver.Run("all").Status!.Epochs, e => e.Sha256 is not null);
    }

    [Fact]
    public async Task AnUploadForARunWithoutConfig_Is503_SoTheAgentRetries()
    {
        var token = _receiver.SeedRun("bare", TrainingPhase.Training, withConfig: false);

        using var response = await _receiver.PostAsync("bare", token, Uploaded(ReceiverFixture.BestKey("bare")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Null(_receiver.Run("bare").Status!.Output);
    }
}
