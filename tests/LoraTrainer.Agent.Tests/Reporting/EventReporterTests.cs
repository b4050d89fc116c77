using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Protocol;
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

    private ServiceProvider Services(TimeProvider? time = null) => AgentServices.Create(_work.Path, _receiver.RunUrl, _receiver.Token, time: time);

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
        await _receiver.WaitForAsync(EventKinds.Ready, Wait);

        time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(_receiver.Accepted, e => e.Kind == EventKinds.Heartbeat);

        time.Advance(TimeSpan.FromSeconds(2));
        var heartbeat = await _receiver.WaitForAsync(EventKinds.Heartbeat, Wait);

        Assert.Equal(2, heartbeat.Seq);
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
}
