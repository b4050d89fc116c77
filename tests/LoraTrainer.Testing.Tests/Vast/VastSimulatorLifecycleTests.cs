using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Testing.Tests.Vast;

public sealed class VastSimulatorLifecycleTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static async Task<(VastSimulator Simulator, FakeTimeProvider Clock, VastWire Wire)> StartAsync(VastLifecycle lifecycle)
    {
        var clock = new FakeTimeProvider(Start);
        var simulator = await VastSimulator.StartAsync(new() { Time = clock, Lifecycle = lifecycle }, TestContext.Current.CancellationToken);
        simulator.AddOffers(new SimulatedOffer { Id = 1, DphBase = 0.36, StorageCostPerGbMonth = 0.15 });
        return (simulator, clock, new VastWire(simulator));
    }

    [Fact]
    public async Task Show_AsTimePasses_GoesFromNullThroughCreatedAndLoadingToRunning()
    {
        var (simulator, clock, wire) = await StartAsync(new() { Provisioning = TimeSpan.FromSeconds(5), Starting = TimeSpan.FromSeconds(5), Loading = TimeSpan.FromSeconds(30) });
        await using var _ = simulator;
        using var __ = wire;
        var id = await wire.CreateAsync(1);

        var seen = new List<string?>();
        foreach (var step in new[] { 0, 5, 5, 30 })
        {
            clock.Advance(TimeSpan.FromSeconds(step));
            seen.Add((await wire.ShowAsync(id))!["actual_status"]?.GetValue<string>());
        }

        Assert.Equal([null, "created", "loading", "running"], seen);
        var running = (await wire.ShowAsync(id))!;
        Assert.Equal((20_000 + id % 1000).ToString(), running["ports"]!["22/tcp"]![0]!["HostPort"]!.GetValue<string>());
        Assert.EndsWith("\n", running["public_ipaddr"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(VastInstanceFailure.StuckInLoading, 3600, "loading", null)]
    [InlineData(VastInstanceFailure.OciRuntimeFailure, 3600, "created", "OCI runtime create failed")]
    [InlineData(VastInstanceFailure.ExitsWhileRunning, 360, "exited", "exited")]
    [InlineData(VastInstanceFailure.GoesOffline, 360, "offline", null)]
    [InlineData(VastInstanceFailure.LosesHeartbeat, 360, "unknown", null)]
    [InlineData(VastInstanceFailure.Outbid, 370, "stopped", null)]
    public async Task Show_WithFailingLifecycle_EndsInTheFailureStatus(VastInstanceFailure failure, int seconds, string status, string? message)
    {
        var (simulator, clock, wire) = await StartAsync(VastLifecycle.Immediate with { Failure = failure, FailAfter = TimeSpan.FromMinutes(5), Loading = TimeSpan.FromSeconds(30) });
        await using var _ = simulator;
        using var __ = wire;
        var id = await wire.CreateAsync(1);

        clock.Advance(TimeSpan.FromSeconds(seconds));
        var instance = (await wire.ShowAsync(id))!;

        Assert.Equal(status, instance["actual_status"]?.GetValue<string>());
        if (message is not null)
        {
            Assert.Contains(message, instance["status_msg"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Outbid_TurnsContractStatesStoppedBeforeTheStatusFollows()
    {
        var (simulator, clock, wire) = await StartAsync(VastLifecycle.Immediate with { StopAfterOutbid = TimeSpan.FromSeconds(10) });
        await using var _ = simulator;
        using var __ = wire;
        var id = await wire.CreateAsync(1);

        simulator.Outbid(id);
        var first = (await wire.ShowAsync(id))!;
        clock.Advance(TimeSpan.FromSeconds(10));
        var later = (await wire.ShowAsync(id))!;

        Assert.Equal(("running", "stopped", "stopped"), (first["actual_status"]!.GetValue<string>(), first["intended_status"]!.GetValue<string>(), first["cur_state"]!.GetValue<string>()));
        Assert.Equal("stopped", later["actual_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cost_ChargesGpuWhileRunningAndStorageForTheWholeLife()
    {
        var (simulator, clock, wire) = await StartAsync(new() { Provisioning = TimeSpan.FromSeconds(5), Starting = TimeSpan.FromSeconds(5), Loading = TimeSpan.FromSeconds(30) });
        await using var _ = simulator;
        using var __ = wire;
        var id = await wire.CreateAsync(1);

        clock.Advance(TimeSpan.FromHours(1));
        await wire.JsonAsync(HttpMethod.Delete, $"api/v0/instances/{id}/", new { });
        clock.Advance(TimeSpan.FromHours(1));
        var cost = simulator.Cost();

        Assert.Equal(3600, cost.InstanceSeconds, 3);
        Assert.Equal(3560, cost.GpuSeconds, 3);
        Assert.Equal(3560 * 0.36 / 3600 + 0.15 * 60 / 720, cost.Dollars, 9);
        Assert.Equal(0, cost.AliveInstances);
    }

    [Fact]
    public async Task Cost_OfInstanceStuckInLoading_ChargesStorageOnly()
    {
        var (simulator, clock, wire) = await StartAsync(VastLifecycle.Immediate with { Failure = VastInstanceFailure.StuckInLoading, Loading = TimeSpan.FromSeconds(1) });
        await using var _ = simulator;
        using var __ = wire;
        await wire.CreateAsync(1);

        clock.Advance(TimeSpan.FromHours(2));
        var cost = simulator.Cost();

        Assert.Equal(0, cost.GpuSeconds);
        Assert.Equal(2 * 0.15 * 60 / 720, cost.Dollars, 9);
        Assert.Equal(1, cost.AliveInstances);
    }

    [Fact]
    public async Task OnRunning_WhenInstanceReachesRunning_GetsItsEnvironmentAndAnInstanceKeyThatDestroysOnlyItself()
    {
        var (simulator, clock, wire) = await StartAsync(new() { Provisioning = TimeSpan.Zero, Starting = TimeSpan.Zero, Loading = TimeSpan.FromSeconds(30) });
        await using var _ = simulator;
        using var __ = wire;
        // Both instances reach running at the same instant and their hooks run concurrently, so each call is
        // looked up by instance id rather than by which one happened to arrive first.
        var started = new ConcurrentDictionary<long, VastRunningInstance>();
        simulator.OnRunning = (instance, _) => { started[instance.InstanceId] = instance; return Task.CompletedTask; };
        simulator.AddOffers(new SimulatedOffer { Id = 2 });
        var id = await wire.CreateAsync(1);
        var other = await wire.CreateAsync(2, label: "other");

        Assert.Empty(started);
        clock.Advance(TimeSpan.FromSeconds(30));
        await simulator.WhenHooksIdleAsync().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var running = started[id];
        wire.Key = running.Environment["CONTAINER_API_KEY"];
        var foreign = await wire.SendAsync(HttpMethod.Delete, $"api/v0/instances/{other}/", new { });
        var own = await wire.SendAsync(HttpMethod.Delete, $"api/v0/instances/{id}/", new { });

        Assert.Equal([id, other], started.Keys.Order());
        Assert.Equal("https://hooks.example.com/v1/runs/ml/a", running.Environment["LORATRAINER_RUN_URL"]);
        Assert.Equal(id.ToString(), running.Environment["CONTAINER_ID"]);
        Assert.Equal(other.ToString(), started[other].Environment["CONTAINER_ID"]);
        Assert.NotEqual(running.Environment["CONTAINER_API_KEY"], started[other].Environment["CONTAINER_API_KEY"]);
        Assert.Equal((401, 200), (foreign.Status, own.Status));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Show_OfDestroyedInstance_AnswersNullInstancesOr404(bool as404)
    {
        var (simulator, _, wire) = await StartAsync(VastLifecycle.Immediate);
        await using var __ = simulator;
        using var ___ = wire;
        simulator.Variants.ShowGoneAs404 = as404;
        var id = await wire.CreateAsync(1);
        await wire.JsonAsync(HttpMethod.Delete, $"api/v0/instances/{id}/", new { });

        var (status, body, _) = await wire.SendAsync(HttpMethod.Get, $"api/v0/instances/{id}/");

        if (as404)
        {
            Assert.Equal(404, status);
        }
        else
        {
            Assert.Equal(200, status);
            Assert.Null(JsonNode.Parse(body)!["instances"]);
        }
    }

    [Theory]
    [InlineData("not_found")]
    [InlineData("no_such_instance")]
    public async Task Destroy_OfGoneInstance_Answers404WithTheConfiguredError(string error)
    {
        var (simulator, _, wire) = await StartAsync(VastLifecycle.Immediate);
        await using var __ = simulator;
        using var ___ = wire;
        simulator.Variants.DestroyGoneError = error;

        var answer = await wire.JsonAsync(HttpMethod.Delete, "api/v0/instances/123/", new { }, expectedStatus: 404);

        Assert.Equal(error, answer["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Label_ChangesTheLabelShown()
    {
        var (simulator, _, wire) = await StartAsync(VastLifecycle.Immediate);
        await using var __ = simulator;
        using var ___ = wire;
        var id = await wire.CreateAsync(1);

        await wire.JsonAsync(HttpMethod.Put, $"api/v0/instances/{id}/", new { label = "renamed" });

        Assert.Equal("renamed", (await wire.ShowAsync(id))!["label"]!.GetValue<string>());
    }
}
