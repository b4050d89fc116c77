using System.Net;
using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook.Tests;

public sealed class OperationsEndpointTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    [Fact]
    public async Task Metrics_CountThisReceiversEvents_ByKindAndOutcome_WithTheirWritesCoalescingAndLatency()
    {
        var token = _receiver.SeedRun("metered", TrainingPhase.Training);
        for (var seq = 1; seq <= 4; seq++)
        {
            await _receiver.PostOkAsync("metered", token, new AgentEvent { Seq = seq, Kind = EventKinds.Progress, Attempt = 1, Percent = seq * 10 });
        }

        await _receiver.PostOkAsync("metered", token, new AgentEvent { Seq = 2, Kind = EventKinds.Heartbeat, Attempt = 1 });
        using var forged = await _receiver.PostAsync("metered", RequestSigner.NewToken(), new AgentEvent { Seq = 5, Kind = EventKinds.Heartbeat, Attempt = 1 });

        Assert.Equal(4, await _receiver.MetricAsync("""loratrainer_receiver_events_total{kind="progress",outcome="accepted"}"""));
        Assert.Equal(1, await _receiver.MetricAsync("""loratrainer_receiver_events_total{kind="heartbeat",outcome="ignored"}"""));
        Assert.Equal(1, await _receiver.MetricAsync("""loratrainer_receiver_events_total{kind="unknown",outcome="unauthorized"}"""));
        // The first progress is written at once; the next three wait for the interval's end.
        Assert.Equal(1, await _receiver.MetricAsync("loratrainer_receiver_status_writes_total"));
        Assert.Equal(3, await _receiver.MetricAsync("loratrainer_receiver_coalesced_updates_total"));
        Assert.Equal(5, await _receiver.MetricAsync("""loratrainer_receiver_event_duration_seconds_count{outcome="accepted"}""")
            + await _receiver.MetricAsync("""loratrainer_receiver_event_duration_seconds_count{outcome="ignored"}"""));
        Assert.InRange(await _receiver.MetricAsync("""loratrainer_receiver_event_duration_seconds_sum{outcome="accepted"}"""), double.Epsilon, 30);

        _receiver.Time.Advance(TimeSpan.FromSeconds(5));
        await _receiver.Kube.WaitForAsync<TrainingRun>(ReceiverFixture.Namespace, "metered", r => r.Status!.Progress!.Percent == 40, TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(2, await _receiver.WaitForMetricAsync("loratrainer_receiver_status_writes_total", 2));
    }

    [Fact]
    public async Task Healthz_Answers_AndReadyz_AnswersOnceTheKubernetesApiDoes()
    {
        _receiver.Kube.FailNextRequests("GET", "/version/**", 1, 503);

        using var healthz = await _receiver.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        using var notReady = await _receiver.Http.GetAsync("/readyz", TestContext.Current.CancellationToken);
        _receiver.Time.Advance(TimeSpan.FromSeconds(5));
        using var ready = await _receiver.Http.GetAsync("/readyz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains(_receiver.Kube.RequestLog, e => e.Path.StartsWith("/version", StringComparison.Ordinal) && e.StatusCode == 503);
    }
}
