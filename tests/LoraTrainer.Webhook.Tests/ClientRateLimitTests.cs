using System.Net;

namespace LoraTrainer.Webhook.Tests;

public sealed class ClientRateLimitTests : IAsyncLifetime
{
    private ReceiverFixture _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await ReceiverFixture.StartAsync(new()
    {
        ["Receiver:RequestsPerSecondPerClient"] = "1",
        ["Receiver:RequestBurstPerClient"] = "3",
    });

    public ValueTask DisposeAsync() => _receiver.DisposeAsync();

    [Fact]
    public async Task AnUnsignedFloodFromOneAddress_Is429WithRetryAfter_BeforeItCostsASecretRead()
    {
        var answers = new List<HttpResponseMessage>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 8; i++)
        {
            // A different made-up run each time, so no cached answer hides a Secret read.
            answers.Add(await _receiver.PostUnsignedAsync($"/v1/runs/ml-team/probe-{i}/events"));
        }

        var elapsed = started.Elapsed;
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        var refused = answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized);
        // The burst of 3, plus one token for each second the loop took (the bucket refills on the wall clock).
        Assert.InRange(refused, 3, 3 + (int)Math.Ceiling(elapsed.TotalSeconds));
        Assert.NotEmpty(limited);
        Assert.Equal(8, limited.Count + refused);
        Assert.Equal(refused, _receiver.SecretReads());
        Assert.All(limited, a => Assert.True(a.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "a 429 says when to retry"));
        Assert.Contains("too many requests from this address", await limited[0].Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(limited.Count, await _receiver.MetricAsync("loratrainer_receiver_client_rate_limited_total"));
        answers.ForEach(a => a.Dispose());
    }

    [Fact]
    public async Task ProbesAndMetrics_AreNeverLimited()
    {
        for (var i = 0; i < 5; i++)
        {
            using var flood = await _receiver.PostUnsignedAsync($"/v1/runs/ml-team/probe-{i}/events");
        }

        using var healthz = await _receiver.Http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        using var metrics = await _receiver.Http.GetAsync("/metrics", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}
