using System.Diagnostics;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Operator.Tests.Vast;

/// <summary>Vast's offer search allows 10 calls a minute per key; runs waiting for a GPU share searches instead of each searching.</summary>
/// <remarks>Time is scaled down 30-fold: the limit is 10 searches per 2 s and a waiting run looks again every 2 s.</remarks>
public sealed class SharedOfferSearchTests
{
    private const int Runs = 50;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FiftyRunsWaitingForOffers_StayWithinTheSearchLimit_AndEachRentsOnceOffersAppear()
    {
        await using var harness = await VastHarness.StartAsync(
            new VastSimulatorOptions
            {
                Lifecycle = VastLifecycle.Immediate,
                EnforceRateLimits = true,
                RateLimits = [],
                SearchesPerWindow = 10,
                SearchRateWindow = Window,
            },
            new Dictionary<string, string?>
            {
                ["Vast:Pacing:Search"] = "00:00:00.210",
                ["Vast:SearchShareWindow"] = "00:00:00.670",
            });

        var runs = Enumerable.Range(0, Runs).Select(run => WaitAndRentAsync(harness, run)).ToList();
        await Eventually.UntilAsync(() => harness.Simulator.RequestsTo(VastRoute.Search).Count >= 6, TimeSpan.FromSeconds(30),
            "the waiting runs to search the empty market", () => $"{harness.Simulator.RequestsTo(VastRoute.Search).Count} searches", cancellationToken: Ct);
        var offersAppeared = Stopwatch.StartNew();
        harness.Simulator.AddOffers(Enumerable.Range(1, Runs).Select(id => new SimulatedOffer { Id = id, DphBase = 0.30 + id / 1000.0 }));
        var rented = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var allRentedAfter = offersAppeared.Elapsed;

        Assert.Equal(Runs, rented.Select(instance => instance.OfferId).Distinct().Count());
        var searches = harness.Simulator.RequestsTo(VastRoute.Search);
        Assert.All(searches, search => Assert.Equal(200, search.Status));
        Assert.True(MostInAnyWindow(searches) <= 10, $"{MostInAnyWindow(searches)} searches arrived within {Window.TotalSeconds} s");
        // Without sharing every run searches on every look: 50 runs would have made well over 100 searches.
        Assert.True(searches.Count < 40, $"{searches.Count} searches for {Runs} runs");
        // Two looks of the waiting runs (one scaled minute each), plus time to rent 50 instances.
        Assert.True(allRentedAfter < TimeSpan.FromSeconds(20), $"the last run rented {allRentedAfter.TotalSeconds:0.0} s after the offers appeared");
    }

    /// <summary>What the reconciler does for a run waiting for a GPU: rent, and when there is no offer, look again later.</summary>
    private static async Task<RentedInstance> WaitAndRentAsync(VastHarness harness, int run)
    {
        // Runs are not all reconciled at one instant.
        await Task.Delay(TimeSpan.FromMilliseconds(run * 37 % 2000), TimeProvider.System, Ct);
        while (true)
        {
            var result = await harness.Provider.RentAsync(VastHarness.Requirements(), VastHarness.Request($"run-{run}"), Ct);
            if (result.Instance is { } instance)
            {
                return instance;
            }

            await Task.Delay(Window, TimeProvider.System, Ct);
        }
    }

    private static int MostInAnyWindow(IReadOnlyList<VastRecordedRequest> requests) =>
        requests.Select(first => requests.Count(other => other.At >= first.At && other.At - first.At < Window)).DefaultIfEmpty(0).Max();
}
