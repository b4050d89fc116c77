using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Agent.Tests.Reporting;

public sealed class EventReporterTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempFolder _work = new();
    private SignedReceiverDouble _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await SignedReceiverDouble.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _work.Dispose();
    }

    private ServiceProvider Services(TimeProvider? time = null, IDictionary<string, string?>? overrides = null) =>
        AgentServices.Create(_work.Path, _receiver.RunUrl, _receiver.Token, overrides, time);

    private static AgentEvent Progress(int percent) => new() { Kind = EventKinds.Progress, Percent = percent };

    [Fact]
    public async Task Report_WhenTheReceiverFails_RetriesWithTheSameSeq()
    {
        _receiver.FailEvents(503, 502);
        await using var services = Services();
        var reporter = services.GetRequiredService<EventReporter>();
        reporter.Start(1, new ReportingPolicy());

        reporter.Report(new AgentEvent { Kind = EventKinds.GpuReady, Gpu = new GpuInfo { Name = "unknown" } });
        reporter.Report(new AgentEvent { Kind = EventKinds.ImagesDownloaded, Images = 3 });
        var delivered = await reporter.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.True(delivered);
        Assert.Equal([(1L, 503), (1L, 502), (1L, 200), (2L, 200)], _receiver.EventAttempts);
        Assert.Equal([EventKinds.GpuReady, EventKinds.ImagesDownloaded], _receiver.Accepted.Select(e => e.Kind));
        Assert.All(_receiver.Accepted, e => Assert.Equal(1, e.Attempt));
        Assert.Equal(0, _receiver.Unauthorized);
    }

    [Fact]
    public async Task Report_WhenSilentForTheHeartbeatInterval_SendsAHeartbeat()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = Services(time);
        var reporter = services.GetRequiredService<EventReporter>();
        reporter.Start(1, new ReportingPolicy { HeartbeatSeconds = 60 });
        reporter.Report(new AgentEvent { Kind = EventKinds.Ready });
        var ready = await _receiver.WaitForAsync(EventKinds.Ready, Wait);

        time.Advance(TimeSpan.FromSeconds(59));
        time.Advance(TimeSpan.FromSeconds(2));
        var heartbeat = await _receiver.WaitForAsync(EventKinds.Heartbeat, Wait);

        // Sent once the minute had passed, not at 59 s: the clock then read at least a minute after the last event.
        Assert.Equal(2, heartbeat.Seq);
        Assert.True(heartbeat.At - ready.At >= TimeSpan.FromSeconds(60), $"heartbeat {heartbeat.At:O} after ready {ready.At:O}");
    }

    [Fact]
    public async Task Report_AfterARestartInTheSameWorkFolder_ContinuesTheSequence()
    {
        await using (var first = Services())
        {
            var reporter = first.GetRequiredService<EventReporter>();
            reporter.Start(1, new ReportingPolicy());
            reporter.Report(new AgentEvent { Kind = EventKinds.GpuReady });
            reporter.Report(new AgentEvent { Kind = EventKinds.ImagesDownloaded });
            await reporter.CompleteAsync(TestContext.Current.CancellationToken);
        }

        await using var second = Services();
        var restarted = second.GetRequiredService<EventReporter>();
        restarted.Start(1, new ReportingPolicy());
        restarted.Report(new AgentEvent { Kind = EventKinds.GpuReady });
        await restarted.CompleteAsync(TestContext.Current.CancellationToken);

        Assert.Equal([1L, 2L, 3L], _receiver.Accepted.Select(e => e.Seq));
    }

    [Fact]
    public async Task Report_ScrubsSecretsFromReasonAndLogTail()
    {
        await using var services = Services();
        services.GetRequiredService<SecretScrubber>().Add(_receiver.Token);
        var reporter = services.GetRequiredService<EventReporter>();
        reporter.Start(1, new ReportingPolicy());

        reporter.Report(new AgentEvent
        {
            Kind = EventKinds.Failed,
            Stage = "training",
            Reason = $"token {_receiver.Token} was rejected",
            LogTail = "requests.exceptions.HTTPError: 403 for url: https://civitai.com/api/download/models/1?token=abcdef123456\nAuthorization: Bearer abcdef123456",
        });
        await reporter.CompleteAsync(TestContext.Current.CancellationToken);

        var body = Assert.Single(_receiver.Events).Body;
        Assert.DoesNotContain(_receiver.Token, body, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdef123456", body, StringComparison.Ordinal);
        Assert.Contains("was rejected", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_WhileAnEventIsBeingRetried_CoalescesTheQueuedProgressIntoTheNewest()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _receiver.FailEvents(503);
        await using var services = Services(time);
        var reporter = services.GetRequiredService<EventReporter>();
        reporter.Start(1, new ReportingPolicy { HeartbeatSeconds = 3600 });
        reporter.Report(new AgentEvent { Kind = EventKinds.Ready });
        await Eventually.UntilAsync(() => _receiver.EventAttempts.Count, count => count == 1, Wait, "the first delivery to fail and wait for its retry",
            cancellationToken: TestContext.Current.CancellationToken);

        foreach (var percent in new[] { 10, 20, 30, 40, 50 })
        {
            reporter.Report(Progress(percent));
        }

        reporter.Report(new AgentEvent { Kind = EventKinds.EpochCompleted, Epoch = 1, Loss = 0.2 });
        reporter.Report(Progress(60));
        var delivered = await time.AdvanceUntilAsync(reporter.CompleteAsync(TestContext.Current.CancellationToken), TimeSpan.FromSeconds(1));

        Assert.True(delivered);
        Assert.Equal([EventKinds.Ready, EventKinds.Progress, EventKinds.EpochCompleted, EventKinds.Progress], _receiver.Accepted.Select(e => e.Kind));
        Assert.Equal([50, 60], _receiver.Accepted.Where(e => e.Kind == EventKinds.Progress).Select(e => e.Percent!.Value));
    }

    [Fact]
    public async Task Report_WhileTheReceiverHangs_ReturnsAtOnceAndDeliversEverythingLater()
    {
        await using var services = Services();
        var reporter = services.GetRequiredService<EventReporter>();
        var held = _receiver.HoldEvents();
        reporter.Start(1, new ReportingPolicy());
        reporter.Report(new AgentEvent { Kind = EventKinds.Ready });
        await held.WaitAsync(Wait, TestContext.Current.CancellationToken);

        // Report is synchronous: were it waiting on the receiver, this loop could not finish while the receiver holds.
        var reporting = Task.Run(() =>
        {
            for (var epoch = 1; epoch <= 200; epoch++)
            {
                reporter.Report(Progress(epoch / 2));
                reporter.Report(new AgentEvent { Kind = EventKinds.EpochCompleted, Epoch = epoch, Loss = 0.1 });
            }
        }, TestContext.Current.CancellationToken);
        await reporting.WaitAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Empty(_receiver.Accepted);
        _receiver.ReleaseEvents();
        Assert.True(await reporter.CompleteAsync(TestContext.Current.CancellationToken));
        Assert.Equal(Enumerable.Range(1, 200), _receiver.Accepted.Where(e => e.Kind == EventKinds.EpochCompleted).Select(e => e.Epoch!.Value));
    }

    [Fact]
    public async Task Report_WhenTheReceiverAnswers404ForOverAnHour_DropsProgressButStillDeliversTheTerminalEvent()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _receiver.Clock = time;
        _receiver.FailEvents([.. Enumerable.Repeat(404, 131)]);
        await using var services = Services(time, new Dictionary<string, string?>
        {
            ["Agent:RetryBaseDelay"] = "00:00:01",
            ["Agent:RetryMaxDelay"] = "00:01:00",
            // Generous: the fake clock moves on while each retry crosses loopback, so it runs ahead of the retries.
            ["Agent:DeliveryTimeout"] = "1.00:00:00",
        });
        var reporter = services.GetRequiredService<EventReporter>();
        reporter.Start(1, new ReportingPolicy { HeartbeatSeconds = 86_400 });
        var outageStart = time.GetUtcNow();

        reporter.Report(Progress(40));
        reporter.Report(new AgentEvent { Kind = EventKinds.Uploaded, Epoch = 2, Loss = 0.2, Key = "loras/anna.safetensors", Bytes = 10 });
        // Small steps: a request signed just before a step must still be within the receiver's 5-minute window when it
        // arrives, so a slow loopback crossing on a busy machine needs 20 steps, not 5, to be refused as stale.
        var delivered = await time.AdvanceUntilAsync(reporter.CompleteAsync(TestContext.Current.CancellationToken), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(90));

        Assert.True(delivered);
        Assert.True(time.GetUtcNow() - outageStart > TimeSpan.FromHours(1), $"the outage lasted only {time.GetUtcNow() - outageStart}");
        Assert.Equal([(1L, 404)], _receiver.EventAttempts.Where(a => a.Seq == 1));
        Assert.Equal(130, _receiver.EventAttempts.Count(a => a is (2, 404)));
        Assert.Equal(EventKinds.Uploaded, Assert.Single(_receiver.Accepted).Kind);
        Assert.Equal(0, _receiver.Unauthorized);
    }
}
