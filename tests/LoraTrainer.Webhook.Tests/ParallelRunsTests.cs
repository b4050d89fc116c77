using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook.Tests;

public sealed class ParallelRunsTests : IAsyncLifetime
{
    private const int Runs = 100;
    private ReceiverFixture _receiver = null!;

    // Every simulated agent shares 127.0.0.1; on the internet each GPU host has its own address.
    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync(new()
    {
        ["Receiver:RequestsPerSecondPerClient"] = "100000",
        ["Receiver:RequestBurstPerClient"] = "100000",
    });

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private static AgentEvent Event(long seq, string kind) => new() { Seq = seq, Kind = kind, Attempt = 1 };

    [Fact]
    public async Task OneHundredRunsReceivingEventsConcurrently_EachEndConsistent_WithItsLatestProgressWritten()
    {
        var runs = Enumerable.Range(0, Runs).Select(i => (Name: $"par-{i}", Token: _receiver.SeedRun($"par-{i}"), Index: i)).ToList();

        var acks = await Task.WhenAll(runs.Select(async run =>
        {
            var answers = new List<EventAck>
            {
                await _receiver.PostOkAsync(run.Name, run.Token, Event(1, EventKinds.GpuReady)),
                await _receiver.PostOkAsync(run.Name, run.Token, Event(2, EventKinds.ImagesDownloaded) with { Images = 10 + run.Index }),
                await _receiver.PostOkAsync(run.Name, run.Token, Event(3, EventKinds.ModelDownloaded) with { Bytes = 1000 }),
                await _receiver.PostOkAsync(run.Name, run.Token, Event(4, EventKinds.Ready)),
                await _receiver.PostOkAsync(run.Name, run.Token, Event(5, EventKinds.Progress) with { Percent = 25, Epoch = 1, TotalEpochs = 2 }),
                await _receiver.PostOkAsync(run.Name, run.Token, Event(6, EventKinds.Progress) with { Percent = 50, Epoch = 1, TotalEpochs = 2, Loss = 0.2 }),
                await _receiver.PostOkAsync(run.Name, run.Token, Event(7, EventKinds.EpochCompleted) with { Epoch = 1, Loss = 0.1 + (run.Index / 1000.0) }),
                await _receiver.PostOkAsync(run.Name, run.Token, Event(8, EventKinds.Progress) with { Percent = 75 + (run.Index % 20), Epoch = 2, TotalEpochs = 2, Loss = 0.15 }),
            };
            return answers;
        }));

        Assert.All(acks.SelectMany(a => a), ack => Assert.True(ack.Accepted));
        Assert.All(acks, a => Assert.Equal("training", a[^1].Phase));

        // The last progress of each run was coalesced; the interval's end writes it.
        _receiver.Time.Advance(TimeSpan.FromSeconds(5));
        foreach (var run in runs)
        {
            var status = (await _receiver.Kube.WaitForAsync<TrainingRun>(ReceiverFixture.Namespace, run.Name, r => r.Status!.LastEventSeq == 8,
                TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)).Status!;
            Assert.Equal(TrainingPhase.Training, status.Phase);
            Assert.Equal(75 + (run.Index % 20), status.Progress!.Percent);
            Assert.Equal(0.15, status.Progress.Loss);
            Assert.Equal(0.1 + (run.Index / 1000.0), Assert.Single(status.Epochs).Loss);
            Assert.Equal(1000, status.Model!.Bytes);
            // gpuReady, imagesDownloaded, modelDownloaded, ready, epochCompleted (with progress 50) and the final progress.
            Assert.Equal(6, _receiver.StatusWrites(run.Name));
        }
    }
}
