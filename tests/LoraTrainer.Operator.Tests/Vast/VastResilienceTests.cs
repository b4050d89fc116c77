using LoraTrainer.Operator.Vast;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastResilienceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<VastHarness> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var harness = await VastHarness.StartAsync(settings: settings);
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 }, new SimulatedOffer { Id = 2, DphBase = 0.5 });
        return harness;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetInstanceAsync_During429StormWithoutRetryAfter_RetriesWithPacedAttemptsUntilAnswered(bool jsonBody)
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:Pacing:Show"] = "00:00:00.150" });
        var id = harness.Simulator.SeedInstance(1, "x");
        harness.Simulator.Variants.RateLimitAsJson = jsonBody;
        harness.Simulator.Faults.RateLimit(VastRoute.Show, 4);

        var instance = await harness.Provider.GetInstanceAsync(id, Ct);

        Assert.Equal(id, instance?.Id);
        var shows = harness.Simulator.RequestsTo(VastRoute.Show);
        Assert.Equal([429, 429, 429, 429, 200], shows.Select(request => request.Status));
        var gaps = shows.Zip(shows.Skip(1), (before, after) => after.At - before.At);
        // The simulator stamps arrival, the pacer measures departure: allow the few milliseconds between them.
        Assert.All(gaps, gap => Assert.True(gap >= TimeSpan.FromMilliseconds(140), $"attempts only {gap.TotalMilliseconds:0} ms apart"));
    }

    [Fact]
    public async Task ConcurrentCalls_PacedUnderEnforcedThreshold_NeverMeetA429()
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:Pacing:Show"] = "00:00:00.150" });
        var id = harness.Simulator.SeedInstance(1, "x");
        await harness.Provider.GetInstanceAsync(id, Ct);
        harness.Simulator.Options.RateLimits[VastRoute.Show] = TimeSpan.FromMilliseconds(50);
        harness.Simulator.Options.EnforceRateLimits = true;

        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => harness.Provider.GetInstanceAsync(id, Ct)));

        var shows = harness.Simulator.RequestsTo(VastRoute.Show);
        Assert.True(shows.All(request => request.Status == 200), string.Join(", ", shows.Select(request => $"{request.Status}@{(request.At - shows[0].At).TotalMilliseconds:0}")));
    }

    [Fact]
    public async Task ConcurrentCalls_WithoutPacingUnderEnforcedThreshold_AreRefusedThenRetried()
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:RetryBaseDelay"] = "00:00:00.050", ["Vast:RetryMaxDelay"] = "00:00:00.200", ["Vast:MaxRetries"] = "10" });
        harness.Simulator.Options.RateLimits[VastRoute.Show] = TimeSpan.FromMilliseconds(30);
        harness.Simulator.Options.EnforceRateLimits = true;
        var id = harness.Simulator.SeedInstance(1, "x");

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => harness.Provider.GetInstanceAsync(id, Ct)));

        Assert.All(answers, answer => Assert.Equal(id, answer?.Id));
        Assert.Contains(harness.Simulator.RequestsTo(VastRoute.Show), request => request.Status == 429);
    }

    [Fact]
    public async Task GetInstanceAsync_After503s_Retries()
    {
        await using var harness = await StartAsync();
        var id = harness.Simulator.SeedInstance(1, "x");
        harness.Simulator.Faults.ServerError(VastRoute.Show, 2, 503);

        Assert.Equal(id, (await harness.Provider.GetInstanceAsync(id, Ct))?.Id);
        Assert.Equal(3, harness.Simulator.RequestsTo(VastRoute.Show).Count);
    }

    [Fact]
    public async Task GetInstanceAsync_WhenVastNeverAnswersInTime_ThrowsATransientError()
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:AttemptTimeout"] = "00:00:00.150", ["Vast:MaxRetries"] = "1" });
        harness.Simulator.Faults.Latency(VastRoute.Show, TimeSpan.FromSeconds(5), times: 5);

        var error = await Assert.ThrowsAsync<VastApiException>(() => harness.Provider.GetInstanceAsync(1, Ct));

        Assert.True(error.IsTransient);
        Assert.Contains("did not answer the instance read", error.Message);
        Assert.Equal(2, harness.Simulator.RequestsTo(VastRoute.Show).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateInstanceAsync_On429_RetriesBecauseNothingWasCreated(bool jsonBody)
    {
        await using var harness = await StartAsync();
        harness.Simulator.Variants.RateLimitAsJson = jsonBody;
        harness.Simulator.Faults.RateLimit(VastRoute.Create, 2);
        var offers = (await harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct)).Ranked;

        var result = await harness.Provider.CreateInstanceAsync(offers, VastHarness.Request(), Ct);

        Assert.False(result.Instance!.FoundByLabel);
        Assert.Equal([429, 429, 200], harness.Simulator.RequestsTo(VastRoute.Create).Select(request => request.Status));
        Assert.Single(harness.Simulator.Instances());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateInstanceAsync_When429sOutlastTheRetries_SaysSoWithVastsWordsFromEitherBodyShape(bool jsonBody)
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:MaxRetries"] = "1" });
        harness.Simulator.Variants.RateLimitAsJson = jsonBody;
        harness.Simulator.Faults.RateLimit(VastRoute.Create, 5);
        var offers = (await harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct)).Ranked;

        var error = await Assert.ThrowsAsync<VastApiException>(() => harness.Provider.CreateInstanceAsync(offers, VastHarness.Request(), Ct));

        Assert.Equal("Vast kept refusing to create an instance as too frequent (429 API requests too frequent endpoint threshold=4.5)", error.Message);
        Assert.True(error.IsTransient);
        Assert.Equal(2, harness.Simulator.RequestsTo(VastRoute.Create).Count);
        Assert.Empty(harness.Simulator.Instances());
    }

    [Fact]
    public async Task CreateInstanceAsync_After503BeforeCommit_LooksTheLabelUpThenCreatesOnce()
    {
        await using var harness = await StartAsync();
        harness.Simulator.Faults.ServerError(VastRoute.Create, 1, 503);
        var offers = (await harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct)).Ranked;

        var result = await harness.Provider.CreateInstanceAsync(offers, VastHarness.Request(), Ct);

        Assert.Equal([503, 200], harness.Simulator.RequestsTo(VastRoute.Create).Select(request => request.Status));
        Assert.Equal(3, harness.Simulator.RequestsTo(VastRoute.List).Count);
        Assert.Equal(result.Instance!.InstanceId, Assert.Single(harness.Simulator.Instances()).Id);
    }

    [Fact]
    public async Task CreateInstanceAsync_WhenTheAnswerIsLostAfterCommit_FindsTheInstanceByLabelInsteadOfCreatingAgain()
    {
        await using var harness = await StartAsync();
        harness.Simulator.Faults.CreateFailsAfterCommit(status: 502);
        var offers = (await harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct)).Ranked;

        var result = await harness.Provider.CreateInstanceAsync(offers, VastHarness.Request(), Ct);

        Assert.True(result.Instance!.FoundByLabel);
        Assert.Single(harness.Simulator.RequestsTo(VastRoute.Create));
        Assert.Equal(result.Instance.InstanceId, Assert.Single(harness.Simulator.Instances()).Id);
        Assert.Equal(1, result.Instance.OfferId);
    }

    [Fact]
    public async Task CreateInstanceAsync_WhenTheAnswerTimesOut_FindsTheInstanceByLabelInsteadOfCreatingAgain()
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:AttemptTimeout"] = "00:00:00.300" });
        harness.Simulator.Faults.Latency(VastRoute.Create, TimeSpan.FromSeconds(5));
        var offers = (await harness.Provider.SearchOffersAsync(VastHarness.Requirements(), Ct)).Ranked;

        var result = await harness.Provider.CreateInstanceAsync(offers, VastHarness.Request(), Ct);

        Assert.True(result.Instance!.FoundByLabel);
        Assert.Single(harness.Simulator.RequestsTo(VastRoute.Create));
        Assert.Single(harness.Simulator.Instances());
    }
}
