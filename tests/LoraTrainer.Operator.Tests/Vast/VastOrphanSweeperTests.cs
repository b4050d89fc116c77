using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Sweeping;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastOrphanSweeperTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly TestClaims _claims = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<VastHarness> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var harness = await VastHarness.StartAsync(new() { Time = _clock, Lifecycle = VastLifecycle.Immediate }, settings);
        harness.Simulator.AddOffers(new SimulatedOffer { Id = 1 });
        return harness;
    }

    private VastOrphanSweeper Sweeper(VastHarness harness) => new(
        harness.Provider, _claims, harness.Services.GetRequiredService<IOptionsMonitor<VastOptions>>(), _clock,
        harness.Services.GetRequiredService<ILogger<VastOrphanSweeper>>());

    private long Seed(VastHarness harness, string label, TimeSpan age) => harness.Simulator.SeedInstance(1, label, Now - age);

    [Fact]
    public async Task SweepOnce_DestroysOnlyOurUnclaimedInstancesPastTheGracePeriod()
    {
        await using var harness = await StartAsync();
        var orphan = Seed(harness, "loratrainer:test:deleted-run:1", TimeSpan.FromHours(1));
        var claimed = Seed(harness, "loratrainer:test:live-run:1", TimeSpan.FromHours(1));
        var young = Seed(harness, "loratrainer:test:new-run:1", TimeSpan.FromMinutes(2));
        var otherCluster = Seed(harness, "loratrainer:staging:run:1", TimeSpan.FromHours(1));
        var notOurs = Seed(harness, "my-notebook", TimeSpan.FromDays(3));
        var unreadable = Seed(harness, "loratrainer:test:broken", TimeSpan.FromHours(1));
        _claims.Claimed.Add(claimed);

        var report = await Sweeper(harness).SweepOnceAsync(Ct);

        Assert.Equal([orphan], report.Destroyed);
        Assert.Equal((6, 3, 1, 1), (report.Listed, report.Ours, report.Claimed, report.Young));
        Assert.Equal([claimed, young, otherCluster, notOurs, unreadable], harness.Simulator.Instances().Select(instance => instance.Id));
        Assert.Equal(["deleted-run", "live-run", "new-run"], _claims.Asked.Select(claim => claim.Label.RunUid));
    }

    [Fact]
    public async Task SweepOnce_OnceTheGracePeriodHasPassed_DestroysTheYoungOrphanToo()
    {
        await using var harness = await StartAsync();
        var young = Seed(harness, "loratrainer:test:new-run:1", TimeSpan.FromMinutes(2));
        var sweeper = Sweeper(harness);
        var first = await sweeper.SweepOnceAsync(Ct);

        _clock.Advance(TimeSpan.FromMinutes(8));
        var second = await sweeper.SweepOnceAsync(Ct);

        Assert.Empty(first.Destroyed);
        Assert.Equal([young], second.Destroyed);
    }

    [Fact]
    public async Task SweepOnce_BeforeClaimsAreLoaded_TouchesNothing()
    {
        await using var harness = await StartAsync();
        Seed(harness, "loratrainer:test:run:1", TimeSpan.FromHours(5));
        _claims.IsSynced = false;

        var report = await Sweeper(harness).SweepOnceAsync(Ct);

        Assert.True(report.Skipped);
        Assert.Empty(harness.Simulator.Requests);
        Assert.Single(harness.Simulator.Instances());
    }

    [Fact]
    public async Task SweepOnce_WithMoreOrphansThanOnePage_DestroysThemAll()
    {
        await using var harness = await StartAsync();
        for (var run = 0; run < 30; run++)
        {
            Seed(harness, $"loratrainer:test:run-{run}:1", TimeSpan.FromHours(1));
        }

        var report = await Sweeper(harness).SweepOnceAsync(Ct);

        Assert.Equal(30, report.Destroyed.Count);
        Assert.Empty(harness.Simulator.Instances());
        Assert.Equal(0, harness.Simulator.Cost().AliveInstances);
    }

    [Fact]
    public async Task SweepOnce_OverAnAccountOfFourListingPages_DestroysEveryOrphanOfOursAndTouchesNothingElse()
    {
        await using var harness = await StartAsync();
        var orphans = new List<long>();
        var kept = new List<long>();
        for (var n = 0; n < 80; n++)
        {
            // Ours and a neighbour's interleaved, so every page holds some of each.
            switch (n % 4)
            {
                case 0:
                    orphans.Add(Seed(harness, $"loratrainer:test:gone-{n}:1", TimeSpan.FromHours(1)));
                    break;
                case 1:
                    var claimed = Seed(harness, $"loratrainer:test:live-{n}:1", TimeSpan.FromHours(1));
                    _claims.Claimed.Add(claimed);
                    kept.Add(claimed);
                    break;
                case 2:
                    kept.Add(Seed(harness, $"loratrainer:staging:run-{n}:1", TimeSpan.FromHours(1)));
                    break;
                default:
                    kept.Add(Seed(harness, $"neighbour-notebook-{n}", TimeSpan.FromDays(2)));
                    break;
            }
        }

        var report = await Sweeper(harness).SweepOnceAsync(Ct);

        Assert.Equal(orphans, report.Destroyed.Order());
        Assert.Equal(kept, harness.Simulator.Instances().Select(instance => instance.Id));
        Assert.Equal(80, report.Listed);
        var listings = harness.Simulator.RequestsTo(VastRoute.List);
        Assert.Equal(4, listings.Count);
        Assert.All(listings, listing => Assert.Equal(200, listing.Status));
    }

    [Fact]
    public async Task SweepOnce_WhenADestroyKeepsFailing_ReportsItAndGoesOn()
    {
        await using var harness = await StartAsync();
        var stubborn = Seed(harness, "loratrainer:test:a:1", TimeSpan.FromHours(1));
        var next = Seed(harness, "loratrainer:test:b:1", TimeSpan.FromHours(1));
        harness.Simulator.Faults.ServerError(VastRoute.Destroy, 7, 502);

        var report = await Sweeper(harness).SweepOnceAsync(Ct);

        Assert.Equal([stubborn], report.Failed);
        Assert.Equal([next], report.Destroyed);
    }

    [Fact]
    public async Task ExecuteAsync_SweepsAtStartAndThenEveryInterval()
    {
        await using var harness = await StartAsync();
        var first = Seed(harness, "loratrainer:test:a:1", TimeSpan.FromHours(1));
        using var sweeper = Sweeper(harness);

        await sweeper.StartAsync(Ct);
        await WaitUntilAsync(() => harness.Simulator.Instance(first)!.DestroyedAt is not null);
        var second = Seed(harness, "loratrainer:test:b:1", TimeSpan.FromHours(1));
        _clock.Advance(TimeSpan.FromMinutes(5));
        await WaitUntilAsync(() => harness.Simulator.Instance(second)!.DestroyedAt is not null);
        await sweeper.StopAsync(Ct);

        Assert.Empty(harness.Simulator.Instances());
    }

    [Fact]
    public async Task ExecuteAsync_AfterASweepFailed_KeepsSweeping()
    {
        await using var harness = await StartAsync();
        var orphan = Seed(harness, "loratrainer:test:a:1", TimeSpan.FromHours(1));
        harness.Simulator.Faults.ServerError(VastRoute.List, 7, 503);
        using var sweeper = Sweeper(harness);

        await sweeper.StartAsync(Ct);
        await WaitUntilAsync(() => harness.Simulator.RequestsTo(VastRoute.List).Count == 7);
        _clock.Advance(TimeSpan.FromMinutes(5));
        await WaitUntilAsync(() => harness.Simulator.Instance(orphan)!.DestroyedAt is not null);
        await sweeper.StopAsync(Ct);

        Assert.Contains(harness.LoggedText(), text => text.StartsWith("Vast orphan sweep failed: Vast refused the instance listing: 503", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_WithARejectedKey_KeepsSweepingLogsItOnceAndRecoversWhenTheKeyIsFixed()
    {
        var keyFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(keyFile, "revoked-key-value\n", Ct);
            await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:ApiKey"] = null, ["Vast:ApiKeyFile"] = keyFile });
            var orphan = Seed(harness, "loratrainer:test:a:1", TimeSpan.FromHours(1));
            using var sweeper = Sweeper(harness);

            await sweeper.StartAsync(Ct);
            for (var sweep = 1; sweep <= 3; sweep++)
            {
                await WaitUntilAsync(() => harness.Simulator.RequestsTo(VastRoute.List).Count == sweep);
                _clock.Advance(TimeSpan.FromMinutes(5));
            }

            // Swapped whole, as Kubernetes updates a mounted Secret, so no sweep reads a half-written key.
            await File.WriteAllTextAsync(keyFile + ".new", harness.Simulator.ApiKey + "\n", Ct);
            File.Move(keyFile + ".new", keyFile, overwrite: true);
            _clock.Advance(TimeSpan.FromMinutes(5));
            await WaitUntilAsync(() => harness.LoggedText().Contains("Vast orphan sweep works again"));
            await sweeper.StopAsync(Ct);

            Assert.NotNull(harness.Simulator.Instance(orphan)!.DestroyedAt);
            var failures = harness.Logs.GetSnapshot().Where(record => record.Level == LogLevel.Error).Select(record => record.Message).ToList();
            var failure = Assert.Single(failures);
            Assert.StartsWith($"Vast orphan sweep failed: Vast rejected the API key in secret {VastHarness.SecretName} (401 auth_error: Invalid user key)", failure, StringComparison.Ordinal);
            Assert.DoesNotContain("revoked-key-value", string.Join("\n", harness.LoggedText()), StringComparison.Ordinal);
            Assert.Equal([401, 401, 401], harness.Simulator.RequestsTo(VastRoute.List).Take(3).Select(request => request.Status));
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task SweepOnce_Through429sFromTheListingAndTheDestroy_StillDestroysTheOrphan()
    {
        await using var harness = await StartAsync();
        var orphan = Seed(harness, "loratrainer:test:a:1", TimeSpan.FromHours(1));
        harness.Simulator.Faults.RateLimit(VastRoute.List, 3);
        harness.Simulator.Faults.RateLimit(VastRoute.Destroy, 2);

        var report = await Sweeper(harness).SweepOnceAsync(Ct);

        Assert.Equal([orphan], report.Destroyed);
        Assert.Equal([429, 429, 429, 200], harness.Simulator.RequestsTo(VastRoute.List).Select(request => request.Status));
        Assert.Equal([429, 429, 200], harness.Simulator.RequestsTo(VastRoute.Destroy).Select(request => request.Status));
    }

    [Theory]
    [InlineData(100, 1)]
    [InlineData(5000, 2)]
    public async Task SweepOnce_WithASlowListing_WaitsOrTriesAgainAfterTheAttemptTimeout(int latencyMs, int listings)
    {
        await using var harness = await StartAsync(new Dictionary<string, string?> { ["Vast:AttemptTimeout"] = "00:00:00.400" });
        var orphan = Seed(harness, "loratrainer:test:a:1", TimeSpan.FromHours(1));
        harness.Simulator.Faults.Latency(VastRoute.List, TimeSpan.FromMilliseconds(latencyMs));

        var report = await Sweeper(harness).SweepOnceAsync(Ct);

        Assert.Equal([orphan], report.Destroyed);
        Assert.Equal(listings, harness.Simulator.RequestsTo(VastRoute.List).Count);
    }

    private static Task WaitUntilAsync(Func<bool> condition) =>
        Eventually.UntilAsync(condition, TimeSpan.FromSeconds(10), "the sweeper to act", cancellationToken: Ct);

    private sealed class TestClaims : IInstanceClaims
    {
        public bool IsSynced { get; set; } = true;

        public HashSet<long> Claimed { get; } = [];

        public List<InstanceClaim> Asked { get; } = [];

        public ValueTask<bool> IsClaimedAsync(InstanceClaim candidate, CancellationToken cancellationToken)
        {
            Asked.Add(candidate);
            return ValueTask.FromResult(Claimed.Contains(candidate.InstanceId));
        }
    }
}
