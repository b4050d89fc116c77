using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook.Tests;

public sealed class ProgressCoalescingTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync(new() { ["Receiver:ProgressWriteInterval"] = "00:00:30" });

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private static AgentEvent Progress(long seq, int percent) => new() { Seq = seq, Kind = EventKinds.Progress, Attempt = 1, Percent = percent, Loss = 0.1 };

    [Fact]
    public async Task ProgressWriteInterval_WhenConfigured_HoldsProgressForThatLong_ThenWritesTheLatest()
    {
        var token = _receiver.SeedRun("slow", TrainingPhase.Training);
        await _receiver.PostOkAsync("slow", token, Progress(1, 10));
        var writes = _receiver.StatusWrites("slow");

        await _receiver.PostOkAsync("slow", token, Progress(2, 20));
        _receiver.Time.Advance(TimeSpan.FromSeconds(10));
        await _receiver.PostOkAsync("slow", token, Progress(3, 30));

        // Past the default 5 s, still inside the configured 30 s: nothing more was written.
        Assert.Equal(writes, _receiver.StatusWrites("slow"));
        Assert.Equal(10, _receiver.Run("slow").Status!.Progress!.Percent);

        _receiver.Time.Advance(TimeSpan.FromSeconds(20));
        var status = await _receiver.Kube.WaitForAsync<TrainingRun>(ReceiverFixture.Namespace, "slow", r => r.Status!.Progress!.Percent == 30,
            TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(writes + 1, await _receiver.StatusWritesAsync("slow", writes + 1));
        Assert.Equal(3, status.Status!.LastEventSeq);
    }

    [Fact]
    public async Task AGracefulRestart_WritesCoalescedProgressFirst_SoTheLatestValueSurvives()
    {
        var token = _receiver.SeedRun("rolling", TrainingPhase.Training);
        await _receiver.PostOkAsync("rolling", token, Progress(1, 40));
        var coalesced = await _receiver.PostOkAsync("rolling", token, Progress(2, 45));
        Assert.True(coalesced.Accepted);
        Assert.Equal(40, _receiver.Run("rolling").Status!.Progress!.Percent);

        await _receiver.StopHostAsync();

        var afterStop = _receiver.Run("rolling").Status!;
        Assert.Equal(45, afterStop.Progress!.Percent);
        Assert.Equal(2, afterStop.LastEventSeq);

        await _receiver.StartHostAsync();
        var repeated = await _receiver.PostOkAsync("rolling", token, Progress(2, 45));
        var next = await _receiver.PostOkAsync("rolling", token, new AgentEvent { Seq = 3, Kind = EventKinds.EpochCompleted, Attempt = 1, Epoch = 1, Loss = 0.09 });

        Assert.False(repeated.Accepted);
        Assert.True(next.Accepted);
        Assert.Equal(3, _receiver.Run("rolling").Status!.LastEventSeq);
    }

    [Fact]
    public async Task AReceiverRestart_LosesNothing_BecauseStateLivesInTheTrainingRun()
    {
        var token = _receiver.SeedRun("restart");
        await _receiver.PostOkAsync("restart", token, new AgentEvent { Seq = 1, Kind = EventKinds.GpuReady, Attempt = 1 });
        await _receiver.PostOkAsync("restart", token, new AgentEvent { Seq = 2, Kind = EventKinds.ImagesDownloaded, Attempt = 1 });

        await _receiver.StopHostAsync();
        await _receiver.StartHostAsync();

        var repeated = await _receiver.PostOkAsync("restart", token, new AgentEvent { Seq = 2, Kind = EventKinds.ImagesDownloaded, Attempt = 1 });
        var next = await _receiver.PostOkAsync("restart", token, new AgentEvent { Seq = 3, Kind = EventKinds.Ready, Attempt = 1 });

        Assert.False(repeated.Accepted);
        Assert.Equal("training", next.Phase);
    }
}
