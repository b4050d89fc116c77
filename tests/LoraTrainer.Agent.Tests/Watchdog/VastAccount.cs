using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Agent.Tests.Watchdog;

/// <summary>An instance rented on the simulator: its id and the per-instance key Vast injects as <c>CONTAINER_API_KEY</c>.</summary>
internal sealed record RentedInstance(long Id, string Key)
{
    /// <summary>The agent settings of a container on this instance, pointed at <paramref name="vast"/>.</summary>
    public Dictionary<string, string?> Environment(VastSimulator vast) => new()
    {
        [VastSelfDestruct.ContainerIdVariable] = Id.ToString(CultureInfo.InvariantCulture),
        [VastSelfDestruct.ContainerApiKeyVariable] = Key,
        ["Agent:VastBaseUrl"] = vast.BaseUrl.ToString(),
    };
}

/// <summary>The Vast simulator with instances rented through its API, as the operator rents them.</summary>
internal sealed class VastAccount : IAsyncDisposable
{
    private readonly HttpClient _http = new();
    private long _nextOffer = 501;

    private VastAccount(VastSimulator vast) => Vast = vast;

    public VastSimulator Vast { get; }

    public static async Task<VastAccount> StartAsync() =>
        new(await VastSimulator.StartAsync(new VastSimulatorOptions { Lifecycle = VastLifecycle.Immediate }, TestContext.Current.CancellationToken));

    /// <summary>Rents a fresh offer with the account key and returns the instance and its per-instance key.</summary>
    public async Task<RentedInstance> RentAsync()
    {
        var offer = _nextOffer++;
        Vast.AddOffers(new SimulatedOffer { Id = offer });
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(Vast.BaseUrl, $"api/v0/asks/{offer}/"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["client_id"] = "me", ["image"] = "ghcr.io/loratrainer/gpu:test", ["disk"] = 20, ["label"] = $"loratrainer:test:run:{offer}",
                ["env"] = new JsonObject(), ["runtype"] = "args", ["cancel_unavail"] = true,
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Vast.ApiKey);
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>(TestContext.Current.CancellationToken))!;
        return new RentedInstance((long)answer["new_contract"]!, (string)answer["instance_api_key"]!);
    }

    /// <summary>Whether the instance still exists (and bills).</summary>
    public bool IsAlive(long id) => Vast.Instance(id)?.DestroyedAt is null;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Vast.DisposeAsync();
    }
}
