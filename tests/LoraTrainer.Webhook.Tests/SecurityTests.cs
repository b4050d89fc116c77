using System.Net;
using System.Text;
using System.Text.Json;
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
    [InlineData("""{"seq":1,"kind":null,"attempt":1}""", "kind is required")]
    [InlineData("""{"seq":1,"attempt":1}""", "kind is required")]
    [InlineData("""{"seq":1,"kind":"trainingCompleted","attempt":1,"bestEpoch":1,"epochs":[null]}""", "trainingCompleted epochs must not contain null")]
    [InlineData("""{"seq":0,"kind":"heartbeat","attempt":1}""", "seq must be 1 or more")]
    [InlineData("null", "malformed JSON: the body is null")]
    public async Task AMalformedOrUnknownEvent_Is400WithAReason(string body, string reason)
    {
        var token = _receiver.SeedRun("bad");

        using var response = await _receiver.PostRawAsync("bad", token, Encoding.UTF8.GetBytes(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(Api.TrainingPhase.PendingGpu, _receiver.Run("bad").Status!.Phase);
    }

    [Theory]
    [InlineData("""{"seq":true,"kind":"heartbeat","attempt":1}""", "field 'seq' must be a whole number")]
    [InlineData("""{"seq":1,"kind":5,"attempt":1}""", "field 'kind' must be a string")]
    [InlineData("""{"seq":1,"kind":"heartbeat","attempt":1,"at":"yesterday"}""", "field 'at' must be an RFC 3339 timestamp")]
    [InlineData("""{"seq":1,"kind":"gpuReady","attempt":1,"gpu":"RTX 4090"}""", "field 'gpu' must be an object")]
    [InlineData("""{"seq":1,"kind":"gpuReady","attempt":1,"gpu":{"name":"RTX 4090","memoryMb":"lots"}}""", "field 'gpu.memoryMb' must be a whole number")]
    [InlineData("""{"seq":1,"kind":"trainingCompleted","attempt":1,"bestEpoch":1,"epochs":[{"epoch":1,"loss":"low"}]}""", "field 'epochs[0].loss' must be a number")]
    [InlineData("""{"seq":1,"kind":"trainingCompleted","attempt":1,"epochs":{}}""", "field 'epochs' must be an array")]
    [InlineData("[1,2]", "malformed JSON: the body must be an object")]
    [InlineData("{\"seq\":1,\n \"kind\" \"heartbeat\"}", "malformed JSON at line 2, byte")]
    public async Task AnEventWithAWrongField_Is400NamingTheFieldInTheProtocolsWords(string body, string reason)
    {
        var token = _receiver.SeedRun("typo");

        using var response = await _receiver.PostRawAsync("typo", token, Encoding.UTF8.GetBytes(body));
        var answer = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, answer, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("LoraTrainer.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/merge-patch+json")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("not a media type")]
    public async Task AnEventThatIsNotApplicationJson_Is415AndChangesNothing(string? contentType)
    {
        var token = _receiver.SeedRun("typed");
        var body = JsonSerializer.SerializeToUtf8Bytes(GpuReady(), ProtocolJson.Options);

        using var response = await _receiver.PostWithContentTypeAsync("typed", token, body, contentType);
        var accepted = await _receiver.PostOkAsync("typed", token, GpuReady(seq: 2));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True(accepted.Accepted, "the refused event left seq 1 unused, so seq 2 is the run's first");
        Assert.Equal(1, await _receiver.WaitForMetricAsync("loratrainer_receiver_events_total{kind=\"unknown\",outcome=\"unsupported_media_type\"}", 1));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON; charset=UTF-8")]
    public async Task AnEventInApplicationJson_IsAcceptedWithOrWithoutACharset(string contentType)
    {
        var token = _receiver.SeedRun("json");

        using var response = await _receiver.PostWithContentTypeAsync("json", token, JsonSerializer.SerializeToUtf8Bytes(GpuReady(), ProtocolJson.Options), contentType);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Api.TrainingPhase.PendingImages, _receiver.Run("json").Status!.Phase);
    }

    [Fact]
    public async Task AFloodFromOneRun_IsRateLimited_WithoutAffectingAnotherRun()
    {
        var token = _receiver.SeedRun("noisy");
        var other = _receiver.SeedRun("quiet");

        var refused = new List<HttpResponseMessage>();
        for (var seq = 1; seq <= 12; seq++)
        {
            var response = await _receiver.PostAsync("noisy", token, new AgentEvent { Seq = seq, Kind = EventKinds.Heartbeat, Attempt = 1 });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused.Add(response);
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotEmpty(refused);
        Assert.All(refused, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "a 429 says when to retry"));
        Assert.Contains("too many events for this run", await refused[0].Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        refused.ForEach(r => r.Dispose());
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
    public async Task Config_BeforeTheOperatorWroteIt_Is503_SoTheAgentRetries()
    {
        var token = _receiver.SeedRun("early", withConfig: false);

        using var response = await _receiver.GetConfigAsync("early", token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("the run's config is not ready yet; retry", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_SignedWithAnotherRunsKey_GetsTheSame401()
    {
        _receiver.SeedRun("mine");
        var someoneElses = _receiver.SeedRun("theirs");

        using var response = await _receiver.GetConfigAsync("mine", someoneElses);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"error":"unauthorized"}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AStreamedBodyWithoutContentLength_Over64KB_Is413()
    {
        var token = _receiver.SeedRun("stream");
        var body = Encoding.UTF8.GetBytes("{\"seq\":1,\"kind\":\"heartbeat\",\"attempt\":1,\"pad\":\"" + new string('x', 70_000) + "\"}");

        using var response = await _receiver.PostChunkedAsync("stream", token, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, _receiver.Run("stream").Status!.LastEventSeq);
    }

    [Fact]
    public async Task AStreamedBodyWithoutContentLength_WithinTheLimit_IsAccepted()
    {
        var token = _receiver.SeedRun("small-stream");
        var body = Encoding.UTF8.GetBytes("""{"seq":1,"kind":"gpuReady","attempt":1}""");

        using var response = await _receiver.PostChunkedAsync("small-stream", token, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Api.TrainingPhase.PendingImages, _receiver.Run("small-stream").Status!.Phase);
    }

    [Theory]
    [InlineData("/v1/runs/ML-Team/portrait/events")]
    [InlineData("/v1/runs/ml-team/Portrait/events")]
    [InlineData("/v1/runs/ml-team/a..b/events")]
    [InlineData("/v1/runs/ml-team/-portrait/events")]
    [InlineData("/v1/runs/ml_team/portrait/config")]
    [InlineData("/v1/runs/ml-team/portrait%0A/events")]
    public async Task APathThatCannotNameARun_Is401_WithoutAnyKubernetesRequest(string path)
    {
        var before = _receiver.Kube.RequestLog.Count;

        using var response = path.EndsWith("/config", StringComparison.Ordinal)
            ? await _receiver.Http.GetAsync(path, TestContext.Current.CancellationToken)
            : await _receiver.PostUnsignedAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"error":"unauthorized"}""", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(before, _receiver.Kube.RequestLog.Count);
    }

    [Fact]
    public async Task ANameTooLongForItsSecret_Is401_WithoutAnyKubernetesRequest()
    {
        var before = _receiver.Kube.RequestLog.Count;

        using var response = await _receiver.PostUnsignedAsync($"/v1/runs/ml-team/{new string('a', 248)}/events");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, _receiver.Kube.RequestLog.Count);
    }

    [Fact]
    public async Task AnUnknownRun_IsLookedUpOncePerCachePeriod_NotOncePerRequest()
    {
        var before = _receiver.SecretReads();

        for (var i = 0; i < 3; i++)
        {
            using var response = await _receiver.PostUnsignedAsync("/v1/runs/ml-team/made-up/events");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(before + 1, _receiver.SecretReads());
        _receiver.Time.Advance(TimeSpan.FromSeconds(31));
        using (await _receiver.PostUnsignedAsync("/v1/runs/ml-team/made-up/events"))
        {
            Assert.Equal(before + 2, _receiver.SecretReads());
        }
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

    [Fact]
    public async Task PresignedUrls_NeverAppearInTheLogs()
    {
        var token = _receiver.SeedRun("urls", Api.TrainingPhase.Training);
        using var config = await _receiver.GetConfigAsync("urls", token);
        var served = await config.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        await _receiver.PostOkAsync("urls", token, new AgentEvent { Seq = 1, Kind = EventKinds.Uploaded, Attempt = 1, Epoch = 1, Key = ReceiverFixture.BestKey("urls"), Bytes = 10 });
        using var refused = await _receiver.PostAsync("urls", token, new AgentEvent { Seq = 2, Kind = EventKinds.Uploaded, Attempt = 1, Epoch = 1, Key = "elsewhere.safetensors", Bytes = 10 });
        using var unknown = await _receiver.GetConfigAsync("nobody", token);

        var logs = _receiver.LogText();

        Assert.Contains(ReceiverFixture.PresignedSignature, served, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("an upload outside the run's output keys", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(ReceiverFixture.PresignedSignature, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("s3.example.com", logs, StringComparison.Ordinal);
    }
}
