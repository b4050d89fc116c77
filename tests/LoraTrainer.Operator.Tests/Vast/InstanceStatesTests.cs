using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class InstanceStatesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ManyRunsChecks_AreAnsweredByOneListing_NotOneReadPerInstance()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(Enumerable.Range(1, 60).Select(i => new SimulatedOffer { Id = i }));
        var ids = Enumerable.Range(1, 60).Select(i => harness.Simulator.SeedInstance(i, $"loratrainer:test:run-{i}:1")).ToList();
        harness.Simulator.SetStatus(ids[7], "exited", "container exited with code 137");
        var states = new InstanceStates(harness.Provider, new FakeTimeProvider(DateTimeOffset.UtcNow));

        var health = new List<InstanceHealth>();
        foreach (var id in ids)
        {
            health.Add(InstanceClassifier.Classify(await states.GetAsync(id, TimeSpan.FromSeconds(15), Ct)));
        }

        Assert.Equal(InstanceState.Dead, health[7].State);
        Assert.Equal(59, health.Count(h => h.State != InstanceState.Dead));
        Assert.Empty(harness.Simulator.RequestsTo(VastRoute.Show));
        Assert.Equal(3, harness.Simulator.RequestsTo(VastRoute.List).Count); // 60 instances, 25 per page
    }

    [Fact]
    public async Task ChecksOverAnAccountOfFourListingPages_FindEveryRunsInstanceWithoutReadingAnyAlone()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        var ours = new List<long>();
        for (var n = 0; n < 80; n++)
        {
            // A neighbour's instances between ours, so our last ones are on the fourth page.
            var id = harness.Simulator.SeedInstance(1, n % 2 == 0 ? $"loratrainer:test:run-{n}:1" : $"neighbour-{n}");
            if (n % 2 == 0)
            {
                ours.Add(id);
            }
        }

        harness.Simulator.SetStatus(ours[^1], "exited", "container exited with code 137");
        var states = new InstanceStates(harness.Provider, new FakeTimeProvider(DateTimeOffset.UtcNow));

        var health = new List<InstanceHealth>();
        foreach (var id in ours)
        {
            health.Add(InstanceClassifier.Classify(await states.GetAsync(id, TimeSpan.FromSeconds(15), Ct)));
        }

        Assert.Equal(InstanceState.Dead, health[^1].State);
        Assert.All(health[..^1], h => Assert.NotEqual(InstanceState.Dead, h.State));
        Assert.Empty(harness.Simulator.RequestsTo(VastRoute.Show));
        Assert.Equal([200, 200, 200, 200], harness.Simulator.RequestsTo(VastRoute.List).Select(request => request.Status));
    }

    [Fact]
    public async Task AnInstanceMissingFromTheListing_IsReadOnItsOwn_BeforeItIsCalledGone()
    {
        await using var harness = await VastHarness.StartAsync();
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 }, new SimulatedOffer { Id = 2 });
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var states = new InstanceStates(harness.Provider, time);
        var listed = harness.Simulator.SeedInstance(1, "loratrainer:test:a:1");
        Assert.NotNull(await states.GetAsync(listed, TimeSpan.FromSeconds(15), Ct));

        // Rented after the listing: read on its own, found alive. A listed one that is then destroyed shows as gone once the listing is renewed.
        var later = harness.Simulator.SeedInstance(2, "loratrainer:test:b:1");
        Assert.NotNull(await states.GetAsync(later, TimeSpan.FromSeconds(15), Ct));
        await harness.Provider.DestroyAsync(listed, Ct);
        time.Advance(TimeSpan.FromSeconds(16));
        Assert.Null(await states.GetAsync(listed, TimeSpan.FromSeconds(15), Ct));

        Assert.Equal(2, harness.Simulator.RequestsTo(VastRoute.List).Count);
    }
}
