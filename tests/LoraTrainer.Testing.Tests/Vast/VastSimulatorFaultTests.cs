using System.Diagnostics;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Testing.Tests.Vast;

public sealed class VastSimulatorFaultTests
{
    private static async Task<VastSimulator> StartAsync(VastSimulatorOptions? options = null)
    {
        var simulator = await VastSimulator.StartAsync(options ?? new() { Lifecycle = VastLifecycle.Immediate }, TestContext.Current.CancellationToken);
        simulator.AddOffers([.. Enumerable.Range(1, 30).Select(id => new SimulatedOffer { Id = id })]);
        return simulator;
    }

    [Fact]
    public async Task List_With30Instances_PagesBy25WithAfterToken()
    {
        await using var simulator = await StartAsync();
        using var wire = new VastWire(simulator);
        for (var offer = 1; offer <= 30; offer++)
        {
            await wire.CreateAsync(offer, label: $"loratrainer:test:run{offer}:1");
        }

        var first = await wire.JsonAsync(HttpMethod.Get, "api/v1/instances/?limit=25");
        var token = first["next_token"]!.GetValue<string>();
        var second = await wire.JsonAsync(HttpMethod.Get, $"api/v1/instances/?limit=25&after_token={Uri.EscapeDataString(token)}");

        Assert.Equal(25, first["instances"]!.AsArray().Count);
        Assert.Equal(5, second["instances"]!.AsArray().Count);
        Assert.Null(second["next_token"]);
        Assert.Equal(30, first["instances"]!.AsArray().Concat(second["instances"]!.AsArray()).Select(instance => instance!["id"]!.GetValue<long>()).Distinct().Count());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task List_WithATokenItDidNotIssue_Answers400(bool quotedRealToken)
    {
        await using var simulator = await StartAsync();
        using var wire = new VastWire(simulator);
        for (var offer = 1; offer <= 30; offer++)
        {
            await wire.CreateAsync(offer, label: $"loratrainer:test:run{offer}:1");
        }

        var token = (await wire.JsonAsync(HttpMethod.Get, "api/v1/instances/?limit=25"))["next_token"]!.GetValue<string>();
        var sent = quotedRealToken ? $"\"{token}\"" : "c7835624";

        var answer = await wire.SendAsync(HttpMethod.Get, $"api/v1/instances/?limit=25&after_token={Uri.EscapeDataString(sent)}");

        Assert.Equal(400, answer.Status);
        Assert.Contains("after_token", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_WithLabelSelectFilter_ReturnsOnlyThatLabel()
    {
        await using var simulator = await StartAsync();
        using var wire = new VastWire(simulator);
        await wire.CreateAsync(1, label: "a");
        var wanted = await wire.CreateAsync(2, label: "b");
        var filter = Uri.EscapeDataString("{\"label\":{\"in\":[\"b\"]}}");

        var answer = await wire.JsonAsync(HttpMethod.Get, $"api/v1/instances/?select_filters={filter}");

        Assert.Equal([wanted], answer["instances"]!.AsArray().Select(instance => instance!["id"]!.GetValue<long>()));
    }

    [Theory]
    [InlineData(false, "text/plain")]
    [InlineData(true, "application/json")]
    public async Task RateLimitFault_Answers429WithoutRetryAfter(bool json, string contentType)
    {
        await using var simulator = await StartAsync();
        simulator.Variants.RateLimitAsJson = json;
        simulator.Faults.RateLimit(VastRoute.Show, 2);
        using var wire = new VastWire(simulator);

        var first = await wire.SendAsync(HttpMethod.Get, "api/v0/instances/1/");
        var second = await wire.SendAsync(HttpMethod.Get, "api/v0/instances/1/");
        var third = await wire.SendAsync(HttpMethod.Get, "api/v0/instances/1/");

        Assert.Equal((429, 429, 200), (first.Status, second.Status, third.Status));
        Assert.Contains("API requests too frequent endpoint threshold=2", first.Body);
        Assert.Equal(contentType, first.Response.Content.Headers.ContentType!.MediaType);
        Assert.Null(first.Response.Headers.RetryAfter);
    }

    [Fact]
    public async Task RefuseUnder200Fault_Answers200WithSuccessFalseAndDoesNothing()
    {
        await using var simulator = await StartAsync();
        using var wire = new VastWire(simulator);
        var id = await wire.CreateAsync(1, label: "kept");
        simulator.Faults.RefuseUnder200(VastRoute.Destroy, msg: "Destroy failed.");

        var refused = await wire.JsonAsync(HttpMethod.Delete, $"api/v0/instances/{id}/", new { });
        var stillThere = simulator.Instance(id)!.DestroyedAt;
        var destroyed = await wire.JsonAsync(HttpMethod.Delete, $"api/v0/instances/{id}/", new { });

        Assert.Equal("""{"success":false,"error":"internal_error","msg":"Destroy failed."}""", refused.ToJsonString());
        Assert.Null(stillThere);
        Assert.True(destroyed["success"]!.GetValue<bool>());
        Assert.NotNull(simulator.Instance(id)!.DestroyedAt);
    }

    [Fact]
    public async Task EnforcedRateLimits_RefuseASecondCreateWithinThreshold()
    {
        var network = new FakeTimeProvider();
        await using var simulator = await StartAsync(new() { Lifecycle = VastLifecycle.Immediate, NetworkTime = network, EnforceRateLimits = true });
        using var wire = new VastWire(simulator);

        var first = await wire.SendAsync(HttpMethod.Put, "api/v0/asks/1/", VastWire.CreateBody());
        network.Advance(TimeSpan.FromSeconds(4));
        var tooSoon = await wire.SendAsync(HttpMethod.Put, "api/v0/asks/2/", VastWire.CreateBody());
        network.Advance(TimeSpan.FromSeconds(0.5));
        var onTime = await wire.SendAsync(HttpMethod.Put, "api/v0/asks/2/", VastWire.CreateBody());

        Assert.Equal((200, 429, 200), (first.Status, tooSoon.Status, onTime.Status));
        Assert.Equal("API requests too frequent endpoint threshold=4.5", tooSoon.Body);
    }

    [Fact]
    public async Task ServerErrorFault_AnswersTheStatusWithoutCreating()
    {
        await using var simulator = await StartAsync();
        simulator.Faults.ServerError(VastRoute.Create, 1, 503);
        using var wire = new VastWire(simulator);

        var (status, _, _) = await wire.SendAsync(HttpMethod.Put, "api/v0/asks/1/", VastWire.CreateBody());

        Assert.Equal(503, status);
        Assert.Empty(simulator.Instances());
    }

    [Fact]
    public async Task CreateFailsAfterCommit_Answers502ButTheInstanceExists()
    {
        await using var simulator = await StartAsync();
        simulator.Faults.CreateFailsAfterCommit();
        using var wire = new VastWire(simulator);

        var (status, _, _) = await wire.SendAsync(HttpMethod.Put, "api/v0/asks/1/", VastWire.CreateBody(label: "lost"));

        Assert.Equal(502, status);
        Assert.Equal("lost", Assert.Single(simulator.Instances()).Label);
    }

    [Fact]
    public async Task LatencyFault_DelaysTheAnswerAfterTheEffect()
    {
        await using var simulator = await StartAsync();
        simulator.Faults.Latency(VastRoute.Create, TimeSpan.FromMilliseconds(300));
        using var wire = new VastWire(simulator);
        var clock = Stopwatch.StartNew();

        var id = await wire.CreateAsync(1);

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(280), $"answered after {clock.Elapsed}");
        Assert.NotNull(simulator.Instance(id));
    }

    [Fact]
    public async Task Requests_RecordBodiesAndHowTheKeyWasSent()
    {
        await using var simulator = await StartAsync();
        using var wire = new VastWire(simulator);

        await wire.SearchAsync(new { limit = 1 });

        var request = Assert.Single(simulator.RequestsTo(VastRoute.Search));
        Assert.True(request.BearerAuth);
        Assert.False(request.KeyInQuery);
        Assert.Equal(1, JsonNode.Parse(request.Body)!["limit"]!.GetValue<int>());
    }
}
