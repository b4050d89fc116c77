using System.Net;
using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook.Tests;

public sealed class SampleKeyTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private static AgentEvent SamplesUploaded(int epoch, params SampleImage[] images) =>
        new() { Seq = 1, Kind = EventKinds.SamplesUploaded, Attempt = 1, Epoch = epoch, SampleImages = images };

    private static SampleImage Image(int prompt, string key) => new() { Prompt = prompt, Key = key, Bytes = 2048, Sha256 = new string('d', 64) };

    [Fact]
    public async Task SamplesOfTheRunsOwnKeys_AreRecordedOnTheirEpochAsKeys_NeverAsUrls()
    {
        var token = _receiver.SeedRun("own", TrainingPhase.Training);

        var ack = await _receiver.PostOkAsync("own", token, SamplesUploaded(2,
            Image(1, ReceiverFixture.SampleKey("own", 2, 1)), Image(0, ReceiverFixture.SampleKey("own", 2, 0))));

        Assert.True(ack.Accepted);
        var samples = Assert.Single(_receiver.Run("own").Status!.Epochs!, e => e.Epoch == 2).Samples!;
        Assert.Equal([ReceiverFixture.SampleKey("own", 2, 0), ReceiverFixture.SampleKey("own", 2, 1)], samples.Select(s => s.Key));
        Assert.Equal([0, 1], samples.Select(s => s.Prompt));
        var json = LoraTrainer.Cluster.ClusterJson.Serialize(_receiver.Run("own").Status);
        Assert.DoesNotContain("https://", json, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-Signature", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFailedSample_IsRecordedWithItsError_BesideTheImagesThatWereUploaded()
    {
        var token = _receiver.SeedRun("partial", TrainingPhase.Training);

        await _receiver.PostOkAsync("partial", token, SamplesUploaded(0,
            Image(0, ReceiverFixture.SampleKey("partial", 0, 0)), new SampleImage { Prompt = 1, Error = "sd-scripts wrote no image for prompt 1" }));

        var samples = Assert.Single(_receiver.Run("partial").Status!.Epochs!, e => e.Epoch == 0).Samples!;
        Assert.Equal(ReceiverFixture.SampleKey("partial", 0, 0), samples[0].Key);
        Assert.Null(samples[1].Key);
        Assert.Equal("sd-scripts wrote no image for prompt 1", samples[1].Error);
    }

    [Theory]
    [InlineData("loras/anna/samples/someone-else/e000002-00.png")]
    [InlineData("loras/anna/own.safetensors")]
    [InlineData("loras/anna/samples/own/e000009-00.png")]
    [InlineData("https://s3.example.com/trained-loras/loras/anna/samples/own/e000002-00.png")]
    public async Task ASampleOfAnyOtherKey_Is400_AndNoEpochRecordsIt(string key)
    {
        var token = _receiver.SeedRun("own", TrainingPhase.Training);

        using var response = await _receiver.PostAsync("own", token, SamplesUploaded(2, Image(0, ReceiverFixture.SampleKey("own", 2, 1)), Image(1, key)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not one of this run's sample keys", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var status = _receiver.Run("own").Status!;
        Assert.DoesNotContain(status.Epochs ?? [], e => e.Samples is { Count: > 0 });
        Assert.Equal(0, status.LastEventSeq);
    }

    [Fact]
    public async Task SamplesForARunWithoutConfig_Are503_SoTheAgentRetries()
    {
        var token = _receiver.SeedRun("bare", TrainingPhase.Training, withConfig: false);

        using var response = await _receiver.PostAsync("bare", token, SamplesUploaded(1, Image(0, ReceiverFixture.SampleKey("bare", 1, 0))));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain(_receiver.Run("bare").Status!.Epochs ?? [], e => e.Samples is { Count: > 0 });
    }
}
