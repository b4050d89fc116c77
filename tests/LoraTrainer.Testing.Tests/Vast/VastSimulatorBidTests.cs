using System.Text.Json.Nodes;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Testing.Tests.Vast;

/// <summary>Interruptible (bid) instances as Vast's reference describes them: min_bid, refused bids, pauses, resumes, new bids.</summary>
public sealed class VastSimulatorBidTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static async Task<(VastSimulator Simulator, FakeTimeProvider Clock, VastWire Wire)> StartAsync()
    {
        var clock = new FakeTimeProvider(Start);
        var simulator = await VastSimulator.StartAsync(
            new() { Time = clock, Lifecycle = VastLifecycle.Immediate with { StopAfterOutbid = TimeSpan.FromSeconds(10) } }, TestContext.Current.CancellationToken);
        simulator.AddOffers(new SimulatedOffer { Id = 1, DphBase = 0.36, MinBid = 0.18, StorageCostPerGbMonth = 0.15 });
        return (simulator, clock, new VastWire(simulator));
    }

    private static async Task<long> BidAsync(VastWire wire, double price)
    {
        var answer = await wire.JsonAsync(HttpMethod.Put, "api/v0/asks/1/", WithPrice(price));
        return answer["new_contract"]?.GetValue<long>() ?? 0;
    }

    /// <summary>A bid of 0.20 that ran an hour, then a bid of 0.25 took the machine and its container stopped.</summary>
    private static async Task<long> PausedAfterAnHourAsync(VastSimulator simulator, FakeTimeProvider clock, VastWire wire)
    {
        var id = await BidAsync(wire, 0.20);
        clock.Advance(TimeSpan.FromHours(1));
        simulator.RaiseMinBid(1, 0.25);
        clock.Advance(TimeSpan.FromSeconds(10));
        return id;
    }

    [Fact]
    public async Task Search_ForBidOffers_CarriesMinBidBesideTheOnDemandPrice()
    {
        var (simulator, _, wire) = await StartAsync();
        await using var _ = simulator;
        using var __ = wire;

        var offer = (await wire.SearchAsync(new { type = "bid", allocated_storage = 60 }))["offers"]![0]!;

        Assert.Equal(0.18, offer["min_bid"]!.GetValue<double>());
        Assert.Equal(0.36 + 0.15 * 60 / 720, offer["dph_total"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task Create_WithBidBelowMinBid_IsRefusedAsInvalidPriceAndRentsNothing()
    {
        var (simulator, _, wire) = await StartAsync();
        await using var _ = simulator;
        using var __ = wire;

        var (status, body, _) = await wire.SendAsync(HttpMethod.Put, "api/v0/asks/1/", WithPrice(0.17));
        var answer = JsonNode.Parse(body)!;

        Assert.Equal(400, status);
        Assert.Equal((false, "invalid_price"), (answer["success"]!.GetValue<bool>(), answer["error"]!.GetValue<string>()));
        Assert.Empty(simulator.Instances());
    }

    [Fact]
    public async Task RaiseMinBid_OverOurBid_PausesTheInstanceKeepingItsDiskAndBillingOnlyStorage()
    {
        var (simulator, clock, wire) = await StartAsync();
        await using var _ = simulator;
        using var __ = wire;
        var id = await PausedAfterAnHourAsync(simulator, clock, wire);

        var paused = (await wire.ShowAsync(id))!;
        var before = simulator.Cost();
        clock.Advance(TimeSpan.FromHours(1));
        var after = simulator.Cost();

        Assert.Equal(("stopped", "stopped", "stopped"),
            (paused["actual_status"]!.GetValue<string>(), paused["intended_status"]!.GetValue<string>(), paused["cur_state"]!.GetValue<string>()));
        Assert.Equal(3600, after.GpuSeconds, 3);
        Assert.Equal(0.15 * 60 / 720, after.Dollars - before.Dollars, 9);
        Assert.Equal(1, after.AliveInstances);
    }

    [Fact]
    public async Task RaiseMinBid_LeavesOnDemandInstancesAndHigherBidsRunning()
    {
        var (simulator, _, wire) = await StartAsync();
        await using var _ = simulator;
        using var __ = wire;
        simulator.AddOffers(new SimulatedOffer { Id = 2, MinBid = 0.18 });
        var onDemand = await wire.CreateAsync(1);
        var highBid = (await wire.JsonAsync(HttpMethod.Put, "api/v0/asks/2/", WithPrice(0.30)))["new_contract"]!.GetValue<long>();

        simulator.RaiseMinBid(1, 0.50);
        simulator.RaiseMinBid(2, 0.25);

        Assert.All(simulator.Instances(), instance => Assert.Equal("running", instance.CurState));
        Assert.Equal([onDemand, highBid], simulator.Instances().Select(instance => instance.Id));
    }

    [Fact]
    public async Task Resume_AfterAPause_RunsAgainAndStartsTheContainerAgain()
    {
        var (simulator, clock, wire) = await StartAsync();
        await using var _ = simulator;
        using var __ = wire;
        var starts = 0;
        simulator.OnRunning = (_, _) => { Interlocked.Increment(ref starts); return Task.CompletedTask; };
        var id = await BidAsync(wire, 0.20);
        simulator.Outbid(id);
        clock.Advance(TimeSpan.FromSeconds(10));

        simulator.Resume(id);
        clock.Advance(TimeSpan.FromMinutes(1));
        await simulator.WhenHooksIdleAsync();
        var resumed = (await wire.ShowAsync(id))!;

        Assert.Equal(("running", "running", "running"),
            (resumed["actual_status"]!.GetValue<string>(), resumed["intended_status"]!.GetValue<string>(), resumed["cur_state"]!.GetValue<string>()));
        Assert.Equal(2, starts);
        Assert.Equal(60, simulator.Cost().GpuSeconds, 3);
    }

    [Fact]
    public async Task ChangeBid_AboveTheNewMinBid_ResumesAPausedInstanceAndBillsTheNewBidFromThen()
    {
        var (simulator, clock, wire) = await StartAsync();
        await using var _ = simulator;
        using var __ = wire;
        var id = await PausedAfterAnHourAsync(simulator, clock, wire);
        var storageHour = 0.15 * 60 / 720;

        var answer = await wire.JsonAsync(HttpMethod.Put, $"api/v0/instances/bid_price/{id}/", new { client_id = "me", price = 0.30 });
        clock.Advance(TimeSpan.FromHours(1));

        Assert.True(answer["success"]!.GetValue<bool>());
        Assert.Equal("running", (await wire.ShowAsync(id))!["actual_status"]!.GetValue<string>());
        Assert.Equal(0.20 + 0.30 + storageHour * (2 + 10 / 3600.0), simulator.Cost().Dollars, 9);
    }

    [Fact]
    public async Task ChangeBid_BelowMinBid_IsRefusedAsInvalidPriceAndKeepsTheOldBid()
    {
        var (simulator, clock, wire) = await StartAsync();
        await using var _ = simulator;
        using var __ = wire;
        var id = await BidAsync(wire, 0.20);

        var (status, body, _) = await wire.SendAsync(HttpMethod.Put, $"api/v0/instances/bid_price/{id}/", new { client_id = "me", price = 0.10 });
        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(400, status);
        Assert.Equal("invalid_price", JsonNode.Parse(body)!["error"]!.GetValue<string>());
        Assert.Equal(0.20 + 0.15 * 60 / 720, simulator.Cost().Dollars, 9);
    }

    private static Dictionary<string, object> WithPrice(double price)
    {
        var body = (Dictionary<string, object>)VastWire.CreateBody();
        body["price"] = price;
        return body;
    }
}
