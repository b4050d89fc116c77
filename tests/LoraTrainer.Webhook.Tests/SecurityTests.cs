using System.Net;
using System.Text;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook.Tests;

public sealed class SecurityTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync(new() { ["Receiver:EventBurstPerRun"] = "5", ["Receiver:EventsPerSecondPerRun"] = "1" });

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    private static AgentEvent GpuReady(long seq = 1) => new() { Seq = seq, Kind = EventKinds.GpuReady, Attempt = 1 };

    [Fact]
    public async Task UnknownRun_BadSignature_AndStaleTimestamp_GetTheSameIndistinguishable401()
    {
        var token = _receiver.SeedRun("victim");

        using var unknownRun = await _receiver.PostAsync("no-such-run", token, GpuReady());
        using var wrongKey = await _receiver.PostAsync("victim", RequestSigner.NewToken(), GpuReady());
        using var stale = await _receiver.PostAsync("victim", token, GpuReady(), clockOffset: TimeSpan.FromMinutes(-6));
        using var wrongPath = await _receiver.PostRawAsync("victim", token, Encoding.UTF8.GetBytes("{}"), pathOverride: "/v1/runs/ml-team/other/events");

        var answers = new[] { unknownRun, wrongKey, stale, wrongPath };
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        var bodies = await Task.WhenAll(answers.Select(r => r.Content.ReadAsStringAsync()));
        Assert.All(bodies, b => Assert.Equal("""{"error":"unauthorized"}""", b));
        Assert.Equal(Api.TrainingPhase.PendingGpu, _receiver.Run("victim").Status!.Phase);
    }

    [Fact]
    public async Task ABodyOver64KB_Is413()
    {
        var token = _receiver.SeedRun("big");

        using var response = await _receiver.PostRawAsync("big", token, Encoding.UTF8.GetBytes("{\"seq\":1,\"kind\":\"heartbeat\",\"pad\":\"" + new string('x', 70_000) + "\"}"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("{not json", "malformed JSON")]
    [InlineData("""{"seq":1,"kind":"teleported","attempt":1}""", "unknown event kind 'teleported'")]
    [InlineData("""{"seq":1,"kind":"progress","attempt":1}""", "progress needs percent")]
    public async Task AMalformedOrUnknownEvent_Is400WithAReason(string body, string reason)
    {
        var token = _receiver.SeedRun("bad");

        using var response = await _receiver.PostRawAsync("bad", token, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(Api.TrainingPhase.PendingGpu, _receiver.Run("bad").Status!.Phase);
    }

    [Fact]
    public async Task AFloodFromOneRun_IsRateLimited_WithoutAffectingAnotherRun()
    {
        var token = _receiver.SeedRun("noisy");
        var other = _receiver.SeedRun("quiet");

        var codes = new List<HttpStatusCode>();
        for (var seq = 1; seq <= 12; seq++)
        {
            using var response = await _receiver.PostAsync("noisy", token, new AgentEvent { Seq = seq, Kind = EventKinds.Heartbeat, Attempt = 1 });
            codes.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, codes);
        Assert.True((await _receiver.PostOkAsync("quiet", other, GpuReady())).Accepted);
    }

    [Fact]
    public async Task Config_IsServedToASignedRequest_AndRefusedOtherwise()
    {
        var token = _receiver.SeedRun("cfg");
        var path = AgentEnvironment.RunPath(ReceiverFixture.Namespace, "cfg") + "/config";
        var timestamp = _receiver.Time.GetUtcNow().ToUnixTimeSeconds();

        using var signed = new HttpRequestMessage(HttpMethod.Get, path);
        signed.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        signed.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(token, timestamp, "GET", path, []));
        using var ok = await _receiver.Http.SendAsync(signed, TestContext.Current.CancellationToken);
        using var unsigned = await _receiver.Http.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("\"name\":\"cfg\"", await ok.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
    }

    [Fact]
    public async Task TokensAndSignatures_NeverAppearInTheLogs()
    {
        var token = _receiver.SeedRun("secret");
        await _receiver.PostOkAsync("secret", token, GpuReady());
        using var _ = await _receiver.PostAsync("secret", RequestSigner.NewToken(), GpuReady(2));

        var logs = string.Join("\n", _receiver.Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));

        Assert.NotEmpty(logs);
        Assert.DoesNotContain(token, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("v1=", logs, StringComparison.Ordinal);
    }
}

public sealed class OperationsEndpointTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync();

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    [Fact]
    public async Task ProbesAnswer_AndMetricsCountEventsByKindAndOutcome()
    {
        var token = _receiver.SeedRun("metered");
        await _receiver.PostOkAsync("metered", token, new AgentEvent { Seq = 1, Kind = EventKinds.GpuReady, Attempt = 1 });
        using var forged = await _receiver.PostAsync("metered", RequestSigner.NewToken(), new AgentEvent { Seq = 2, Kind = EventKinds.Heartbeat, Attempt = 1 });

        using var healthz = await _receiver.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        using var readyz = await _receiver.Http.GetAsync("/readyz", TestContext.Current.CancellationToken);
        var metrics = await _receiver.Http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
        Assert.Contains("loratrainer_receiver_events_total", metrics, StringComparison.Ordinal);
        Assert.Contains("outcome=\"unauthorized\"", metrics, StringComparison.Ordinal);
        Assert.Contains("kind=\"gpuReady\"", metrics, StringComparison.Ordinal);
        Assert.Contains("loratrainer_receiver_status_writes_total", metrics, StringComparison.Ordinal);
    }
}
