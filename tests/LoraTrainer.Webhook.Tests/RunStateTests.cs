using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Webhook.Events;
using LoraTrainer.Webhook.Runs;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Webhook.Tests;

public sealed class RunStateTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync(new() { ["Receiver:TokenCacheEntries"] = "100" });

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private RunStatusUpdater Updater => _receiver.Services.GetRequiredService<RunStatusUpdater>();

    [Fact]
    public async Task ARunThatReachesATerminalPhase_IsForgotten_AndLateEventsStillGetTheirAnswer()
    {
        var token = _receiver.SeedRun("ending", TrainingPhase.Training);
        var other = _receiver.SeedRun("going-on", TrainingPhase.Training);
        await _receiver.PostOkAsync("going-on", other, new AgentEvent { Seq = 1, Kind = EventKinds.Heartbeat, Attempt = 1 });
        await _receiver.PostOkAsync("ending", token, new AgentEvent { Seq = 1, Kind = EventKinds.Heartbeat, Attempt = 1 });
        Assert.Equal(2, Updater.TrackedRuns);

        await _receiver.PostOkAsync("ending", token, new AgentEvent { Seq = 2, Kind = EventKinds.Failed, Attempt = 1, Stage = "training", Reason = "NaN loss" });
        var late = await _receiver.PostOkAsync("ending", token, new AgentEvent { Seq = 3, Kind = EventKinds.Heartbeat, Attempt = 1 });

        Assert.Equal(1, Updater.TrackedRuns);
        Assert.False(late.Accepted);
        Assert.Equal("failed", late.Phase);
    }

    [Fact]
    public async Task ARunIdleForTheExpiry_IsForgotten_AndPicksUpFromItsStatusWhenItSpeaksAgain()
    {
        var quiet = _receiver.SeedRun("quiet", TrainingPhase.Training);
        var busy = _receiver.SeedRun("busy", TrainingPhase.Training);
        await _receiver.PostOkAsync("quiet", quiet, new AgentEvent { Seq = 1, Kind = EventKinds.Heartbeat, Attempt = 1 });

        _receiver.Time.Advance(RunStatusUpdater.IdleExpiry + TimeSpan.FromMinutes(1));
        await _receiver.PostOkAsync("busy", busy, new AgentEvent { Seq = 1, Kind = EventKinds.Heartbeat, Attempt = 1 });

        Assert.Equal(1, Updater.TrackedRuns);
        var repeated = await _receiver.PostOkAsync("quiet", quiet, new AgentEvent { Seq = 1, Kind = EventKinds.Heartbeat, Attempt = 1 });
        var next = await _receiver.PostOkAsync("quiet", quiet, new AgentEvent { Seq = 2, Kind = EventKinds.Progress, Attempt = 1, Percent = 60 });
        Assert.False(repeated.Accepted);
        Assert.True(next.Accepted);
    }

    [Fact]
    public async Task TheTokenCache_HoldsAtMostItsConfiguredEntries_HoweverManyNamesAreTried()
    {
        var secrets = _receiver.Services.GetRequiredService<RunSecretReader>();
        var token = _receiver.SeedRun("real");

        for (var i = 0; i < 150; i++)
        {
            using var _ = await _receiver.PostUnsignedAsync($"/v1/runs/ml-team/made-up-{i}/events");
        }

        await _receiver.PostOkAsync("real", token, new AgentEvent { Seq = 1, Kind = EventKinds.GpuReady, Attempt = 1 });

        Assert.InRange(secrets.CachedRuns, 1, 100);
        Assert.Equal(150 + 1, _receiver.SecretReads());
    }
}
