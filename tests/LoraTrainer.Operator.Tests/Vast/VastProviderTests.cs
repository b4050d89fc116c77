using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastProviderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly SimulatedOffer[] Market =
    [
        new() { Id = 10, DphBase = 0.45, StorageCostPerGbMonth = 0 },
        new() { Id = 11, DphBase = 0.38, StorageCostPerGbMonth = 0 },
        new() { Id = 12, DphBase = 0.41, StorageCostPerGbMonth = 0 },
        new() { Id = 13, DphBase = 0.20, StorageCostPerGbMonth = 0, GpuName = "RTX 3090" },
    ];

    [Fact]
    public async Task RentAsync_RentsTheCheapestMatchingOfferUnderTheAttemptsLabel()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(Market);

        var result = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(attempt: 2), Ct);

        var instance = Assert.Single(harness.Simulator.Instances());
        Assert.Equal((11L, "loratrainer:test:3f1c9e2a-run:2"), (instance.OfferId, instance.Label));
        Assert.Equal(["LORATRAINER_RUN_TOKEN", "LORATRAINER_RUN_URL"], instance.Env.Keys.Order());
        Assert.Equal(instance.Id, result.Instance!.InstanceId);
        Assert.Equal($"rented RTX 4090 at $0.38/h on machine {100_011}", result.Message);
    }

    [Fact]
    public async Task RentAsync_ForSeveralRunsAtOnce_TriesEachOfferOnce_WithoutLosingCreatesToEachOther()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(Market);

        var rents = await Task.WhenAll(Enumerable.Range(1, 3).Select(i =>
            harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(uid: $"run-{i}"), Ct)));

        Assert.All(rents, r => Assert.NotNull(r.Instance));
        Assert.Equal([10L, 11L, 12L], harness.Simulator.Instances().Select(i => i.OfferId).Order());
        var creates = harness.Simulator.RequestsTo(VastRoute.Create);
        Assert.Equal(3, creates.Count);
        Assert.Equal(3, creates.Select(c => c.Path).Distinct().Count());
    }

    [Fact]
    public async Task RentAsync_WhenTheBestOfferIsTakenBetweenSearchAndCreate_RentsTheNextOne()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(Market);
        harness.Simulator.Faults.TakeOfferOnCreate(11);

        var result = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);

        Assert.Equal(12, result.Instance!.OfferId);
        Assert.Equal([404, 200], harness.Simulator.RequestsTo(VastRoute.Create).Select(request => request.Status));
    }

    [Fact]
    public async Task RentAsync_WhenEveryOfferTriedIsTaken_SearchesAgain()
    {
        await using var harness = await VastHarness.StartAsync(settings: new Dictionary<string, string?> { ["Vast:MaxOffersPerSearch"] = "1" });
        harness.Simulator.AddOffers(Market);
        harness.Simulator.Variants.NoSuchAskStatus = 410;
        harness.Simulator.Faults.TakeOfferOnCreate(11);

        var result = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);

        Assert.Equal(12, result.Instance!.OfferId);
        Assert.Equal(2, harness.Simulator.RequestsTo(VastRoute.Search).Count);
    }

    [Fact]
    public async Task RentAsync_WhenTheMarketRunsDryWhileRenting_SaysOffersWereTaken()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(Market[1]);
        harness.Simulator.Faults.TakeOfferOnCreate(11);

        var result = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);

        Assert.Null(result.Instance);
        Assert.Equal("every matching offer was taken before it could be rented (1 tried)", result.Message);
        TroubleshootingDoc.AssertExplains(result.Message);
    }

    [Theory]
    [InlineData(400, "invalid_args", false)]
    [InlineData(410, "no_such_ask", true)]
    public async Task RentAsync_WhenAFailedAnswerCarriesANewContract_DestroysThatInstance(int status, string error, bool triesNext)
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(Market);
        harness.Simulator.Faults.FailCreateWithContract(11, status, error);

        var rent = harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);

        if (triesNext)
        {
            Assert.Equal(12, (await rent).Instance!.OfferId);
        }
        else
        {
            Assert.Contains("Vast refused to rent offer 11", (await Assert.ThrowsAsync<VastApiException>(() => rent)).Message);
        }

        var stray = Assert.Single(harness.Simulator.Instances(includeDestroyed: true), instance => instance.OfferId == 11);
        Assert.NotNull(stray.DestroyedAt);
    }

    [Fact]
    public async Task RentAsync_WhenAnInstanceAlreadyCarriesTheLabel_ReturnsItWithoutCreating()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(Market);
        var existing = harness.Simulator.SeedInstance(10, "loratrainer:test:3f1c9e2a-run:1");

        var result = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);

        Assert.Equal((existing, true), (result.Instance!.InstanceId, result.Instance.FoundByLabel));
        Assert.Empty(harness.Simulator.RequestsTo(VastRoute.Create));
    }

    [Fact]
    public async Task RentAsync_WithAPriceNoOfferMeets_SaysWhichRequirementExcludedTheMarket()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1, DphBase = 0.71, StorageCostPerGbMonth = 0 }, new SimulatedOffer { Id = 2, DphBase = 0.62, StorageCostPerGbMonth = 0 });

        var result = await harness.Provider.RentAsync(VastHarness.Requirements(maxPrice: 0.50), VastHarness.Request(), Ct);

        Assert.Null(result.Instance);
        Assert.Equal("no RTX 4090 under $0.50/h; cheapest was $0.62/h", result.Message);
        Assert.Empty(harness.Simulator.Instances());
    }

    [Fact]
    public async Task RentAsync_WithARunUrlOverVastsEnvLimit_RefusesBeforeCallingVast()
    {
        await using var harness = await VastHarness.StartAsync();
        var request = VastHarness.Request() with { RunUrl = new Uri("https://hooks.example.com/" + new string('a', 300)) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => harness.Provider.RentAsync(VastHarness.Requirements(), request, Ct));

        Assert.Contains("256 characters", error.Message);
        Assert.Empty(harness.Simulator.Requests);
    }

    [Theory]
    [InlineData(VastInstanceFailure.None, 0, "Running")]
    [InlineData(VastInstanceFailure.StuckInLoading, 3600, "Pending")]
    [InlineData(VastInstanceFailure.OciRuntimeFailure, 60, "Dead")]
    [InlineData(VastInstanceFailure.ExitsWhileRunning, 400, "Dead")]
    [InlineData(VastInstanceFailure.GoesOffline, 400, "Dead")]
    [InlineData(VastInstanceFailure.LosesHeartbeat, 400, "Dead")]
    [InlineData(VastInstanceFailure.Outbid, 301, "Paused")]
    public async Task GetInstanceAsync_ThenClassify_ReadsEachSimulatedFateCorrectly(VastInstanceFailure failure, int seconds, string expected)
    {
        var clock = new FakeTimeProvider();
        var lifecycle = new VastLifecycle { Provisioning = TimeSpan.Zero, Starting = TimeSpan.Zero, Loading = TimeSpan.Zero, Failure = failure, FailAfter = TimeSpan.FromMinutes(5) };
        await using var harness = await VastHarness.StartAsync(new() { Time = clock, Lifecycle = lifecycle });
        harness.Simulator.AddOffers(Market);
        var rented = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);

        clock.Advance(TimeSpan.FromSeconds(seconds));
        var health = InstanceClassifier.Classify(await harness.Provider.GetInstanceAsync(rented.Instance!.InstanceId, Ct));

        Assert.Equal(Enum.Parse<InstanceState>(expected), health.State);
    }

    [Fact]
    public async Task DestroyAsync_StopsTheBill()
    {
        var clock = new FakeTimeProvider();
        await using var harness = await VastHarness.StartAsync(new() { Time = clock, Lifecycle = VastLifecycle.Immediate });
        harness.Simulator.AddOffers(Market);
        var rented = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request(), Ct);
        clock.Advance(TimeSpan.FromHours(1));

        await harness.Provider.DestroyAsync(rented.Instance!.InstanceId, Ct);
        clock.Advance(TimeSpan.FromHours(5));

        var cost = harness.Simulator.Cost();
        Assert.Equal(0, cost.AliveInstances);
        Assert.Equal(0.38, cost.Dollars, 6);
    }
}
