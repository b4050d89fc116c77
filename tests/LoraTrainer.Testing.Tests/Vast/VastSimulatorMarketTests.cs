using System.Text.Json.Nodes;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Tests.Vast;

public sealed class VastSimulatorMarketTests
{
    private static readonly SimulatedOffer[] Market =
    [
        new() { Id = 1, GpuName = "RTX 4090", DphBase = 0.40 },
        new() { Id = 2, GpuName = "RTX 4090", DphBase = 0.30 },
        new() { Id = 3, GpuName = "RTX 3090", DphBase = 0.20, GpuRamMb = 24576 },
        new() { Id = 4, GpuName = "RTX 4090", DphBase = 0.25, Reliability = 0.80 },
        new() { Id = 5, GpuName = "RTX 4090", DphBase = 0.28, Verified = false },
    ];

    [Fact]
    public async Task Search_WithOperatorFilters_ReturnsMatchingOffersCheapestFirst()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        using var wire = new VastWire(simulator);

        var answer = await wire.SearchAsync(new Dictionary<string, object>
        {
            ["verified"] = new { eq = true },
            ["gpu_name"] = new { @in = new[] { "RTX 4090" } },
            ["reliability"] = new { gte = "0.95" },
            ["order"] = new[] { new[] { "dph_total", "asc" } },
            ["type"] = "on-demand",
            ["allocated_storage"] = 60,
            ["limit"] = 10,
        });

        var offers = answer["offers"]!.AsArray();
        Assert.Equal([2L, 1L], offers.Select(offer => offer!["id"]!.GetValue<long>()));
        Assert.Equal(0.30 + 0.15 * 60 / 720, offers[0]!["dph_total"]!.GetValue<double>(), 6);
    }

    [Fact]
    public async Task Search_IgnoresAFilterNameItDoesNotKnow_LikeReliability2()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        using var wire = new VastWire(simulator);

        var answer = await wire.SearchAsync(new Dictionary<string, object> { ["reliability2"] = new { gte = 0.95 }, ["no_such_field"] = new { eq = 1 } });

        Assert.Equal(5, answer["offers"]!.AsArray().Count);
        Assert.Equal(0.80, answer["offers"]!.AsArray().Single(offer => offer!["id"]!.GetValue<long>() == 4)!["reliability2"]!.GetValue<double>());
    }

    [Fact]
    public async Task Search_FiltersOnComputeCapAndCudaMaxGood_AsNumbers()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(
            new SimulatedOffer { Id = 1, GpuName = "RTX 5090" },
            new SimulatedOffer { Id = 2, GpuName = "RTX 4090", CudaMaxGood = 12.4, DriverVersion = "550.127.05" },
            new SimulatedOffer { Id = 3, GpuName = "RTX 4090", CudaMaxGood = 12.8 },
            new SimulatedOffer { Id = 4, GpuName = "RTX 3090" });
        using var wire = new VastWire(simulator);

        var answer = await wire.SearchAsync(new Dictionary<string, object>
        {
            ["compute_cap"] = new { gte = 750, lte = 900 },
            ["cuda_max_good"] = new { gte = "12.8" },
        });

        var offers = answer["offers"]!.AsArray();
        Assert.Equal([3L, 4L], offers.Select(offer => offer!["id"]!.GetValue<long>()).Order());
        Assert.Equal([890, 860], offers.OrderBy(offer => offer!["id"]!.GetValue<long>()).Select(offer => offer!["compute_cap"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Search_WithUnknownOperator_Answers400InvalidArgs()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        using var wire = new VastWire(simulator);

        var answer = await wire.JsonAsync(HttpMethod.Post, "api/v0/bundles/", new { gpu_ram = new { like = 3 } }, expectedStatus: 400);

        Assert.Equal("invalid_args", answer["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Search_WithNumbersAsStringsVariant_WritesEveryNumberAsAString()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market[0]);
        simulator.Variants.NumbersAsStrings = true;
        using var wire = new VastWire(simulator);

        var offer = (await wire.SearchAsync(new { }))["offers"]![0]!;

        Assert.Equal("1", offer["id"]!.GetValue<string>());
        Assert.Equal("24564", offer["gpu_ram"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(401, 401)]
    [InlineData(404, 404)]
    public async Task Search_WithBadKey_AnswersAuthErrorWithTheConfiguredStatus(int variant, int expected)
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.Variants.SearchBadKeyStatus = variant;
        using var wire = new VastWire(simulator) { Key = "wrong" };

        var (status, body, _) = await wire.SendAsync(HttpMethod.Post, "api/v0/bundles/", new { });

        Assert.Equal(expected, status);
        Assert.Equal("Invalid user key", JsonNode.Parse(body)!["msg"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnyEndpoint_WithBadKey_Answers401AuthError()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        using var wire = new VastWire(simulator) { Key = "wrong" };

        var answer = await wire.JsonAsync(HttpMethod.Get, "api/v1/instances/", expectedStatus: 401);

        Assert.Equal("auth_error", answer["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public async Task Create_WhenOfferWasTakenMeanwhile_AnswersNoSuchAsk(int variant)
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        simulator.Variants.NoSuchAskStatus = variant;
        simulator.Faults.TakeOfferOnCreate(2);
        using var wire = new VastWire(simulator);

        var answer = await wire.JsonAsync(HttpMethod.Put, "api/v0/asks/2/", VastWire.CreateBody(), expectedStatus: variant);

        Assert.Contains("no_such_ask", answer["msg"]!.GetValue<string>());
        Assert.Equal(2, answer["ask_id"]!.GetValue<long>());
        Assert.Empty(simulator.Instances());
    }

    [Fact]
    public async Task Create_OnRentedOffer_AnswersNoSuchAskUntilDestroyed()
    {
        await using var simulator = await VastSimulator.StartAsync(new() { Lifecycle = VastLifecycle.Immediate }, TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        using var wire = new VastWire(simulator);
        var first = await wire.CreateAsync(1);

        await wire.JsonAsync(HttpMethod.Put, "api/v0/asks/1/", VastWire.CreateBody(), expectedStatus: 404);
        await wire.JsonAsync(HttpMethod.Delete, $"api/v0/instances/{first}/", new { });
        var second = await wire.CreateAsync(1);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task Create_WithFailedCreateFault_AnswersErrorCarryingNewContractOfABillingInstance()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        simulator.Faults.FailCreateWithContract(1);
        using var wire = new VastWire(simulator);

        var answer = await wire.JsonAsync(HttpMethod.Put, "api/v0/asks/1/", VastWire.CreateBody(), expectedStatus: 400);

        var stray = answer["new_contract"]!.GetValue<long>();
        Assert.Equal("stopped", simulator.Instance(stray)!.ActualStatus);
        Assert.Equal(1, simulator.Cost().AliveInstances);
    }

    [Theory]
    [InlineData("image", "")]
    [InlineData("disk", 4)]
    [InlineData("env", "not-an-object")]
    [InlineData("runtype", "docker")]
    public async Task Create_WithInvalidField_Answers400InvalidArgs(string field, object value)
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        using var wire = new VastWire(simulator);
        var body = (Dictionary<string, object>)VastWire.CreateBody();
        body[field] = value;

        var answer = await wire.JsonAsync(HttpMethod.Put, "api/v0/asks/1/", body, expectedStatus: 400);

        Assert.Equal("invalid_args", answer["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_WithEnvValueOver256Characters_Answers400()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        simulator.AddOffers(Market);
        using var wire = new VastWire(simulator);

        var (status, _, _) = await wire.SendAsync(HttpMethod.Put, "api/v0/asks/1/", VastWire.CreateBody(env: new() { ["URL"] = new string('x', 257) }));

        Assert.Equal(400, status);
    }

    [Fact]
    public async Task LegacyInstanceList_Answers410Gone()
    {
        await using var simulator = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        using var wire = new VastWire(simulator);

        var (status, _, _) = await wire.SendAsync(HttpMethod.Get, "api/v0/instances/");

        Assert.Equal(410, status);
    }
}
