using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LoraTrainer.Testing.Civitai;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Testing.Tests.Civitai;

public sealed class CivitaiFakeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ModelVersion_DescribesFilesWithSizeAndUppercaseSha256AsCivitaiDoes()
    {
        await using var fake = await CivitaiFake.StartAsync(cancellationToken: Ct);
        fake.Add(FakeCivitaiVersion.Checkpoint(7, "SDXL 1.0", "urn:air:sdxl:checkpoint:civitai:1@7", "m.safetensors", new byte[2048]));
        using var http = new HttpClient { BaseAddress = fake.BaseUrl };

        var version = await http.GetFromJsonAsync<JsonElement>("/api/v1/model-versions/7", Ct);
        var missing = await http.GetAsync("/api/v1/model-versions/8", Ct);

        var file = version.GetProperty("files")[0];
        Assert.Equal("SDXL 1.0", version.GetProperty("baseModel").GetString());
        Assert.Equal(2.0, file.GetProperty("sizeKB").GetDouble());
        Assert.Matches("^[0-9A-F]{64}$", file.GetProperty("hashes").GetProperty("SHA256").GetString()!);
        Assert.Equal("SafeTensor", file.GetProperty("metadata").GetProperty("format").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Download_WhenKeyIsRequired_AcceptsItByTokenAndRedirectsToAnExpiringSignedUrl()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var fake = await CivitaiFake.StartAsync(time, Ct);
        fake.AcceptKey("k1").Add(FakeCivitaiVersion.Checkpoint(9, "SD 1.5", null, "m.safetensors", [4, 5, 6]) with { RequiresKey = true });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fake.BaseUrl };

        var anonymous = await http.GetAsync("/api/download/models/9", Ct);
        var keyed = await http.GetAsync("/api/download/models/9?token=k1", Ct);
        var signed = keyed.Headers.Location!;
        var bytes = await http.GetByteArrayAsync(signed, Ct);
        time.Advance(fake.SignedUrlLifetime + TimeSpan.FromSeconds(1));
        var expired = await http.GetAsync(signed, Ct);
        var tampered = await http.GetAsync(signed.AbsoluteUri.Replace("signature=", "signature=0", StringComparison.Ordinal), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, keyed.StatusCode);
        Assert.Equal([4, 5, 6], bytes);
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, tampered.StatusCode);
    }

    [Fact]
    public async Task Fail_AnswersTheInjectedStatusOnlyForMatchingPathsAndOnlyAsOftenAsAsked()
    {
        await using var fake = await CivitaiFake.StartAsync(cancellationToken: Ct);
        fake.Add(FakeCivitaiVersion.Checkpoint(1, "SD 1.5", null, "m.safetensors", [1]))
            .Fail("/api/v1/", 429, times: 2, retryAfter: TimeSpan.FromSeconds(3));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fake.BaseUrl };

        var first = await http.GetAsync("/api/v1/model-versions/1", Ct);
        var download = await http.GetAsync("/api/download/models/1", Ct);
        var second = await http.GetAsync("/api/v1/model-versions/1", Ct);
        var third = await http.GetAsync("/api/v1/model-versions/1", Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), first.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, download.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(4, fake.Requests.Count);
    }

    [Fact]
    public async Task Delay_HoldsTheNextMatchingRequestUntilTheDelayHasPassed_AndNoOther()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var fake = await CivitaiFake.StartAsync(time, Ct);
        fake.Add(FakeCivitaiVersion.Checkpoint(1, "SD 1.5", null, "m.safetensors", [1])).Delay("/api/v1/", TimeSpan.FromSeconds(30));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fake.BaseUrl };

        var held = http.GetAsync("/api/v1/model-versions/1", Ct);
        await Eventually.UntilAsync(() => fake.Requests.Count > 0, TimeSpan.FromSeconds(10), "the held request to reach the fake", cancellationToken: Ct);

        using var otherPath = await http.GetAsync("/api/download/models/1", Ct);
        using var samePathAgain = await http.GetAsync("/api/v1/model-versions/1", Ct);
        var stillHeld = !held.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(30));
        using var released = await held;

        Assert.True(stillHeld);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, otherPath.StatusCode);
        Assert.Equal(HttpStatusCode.OK, samePathAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
    }
}
