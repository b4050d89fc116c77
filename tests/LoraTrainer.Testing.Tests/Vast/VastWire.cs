using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Tests.Vast;

/// <summary>Raw HTTP calls to a simulator, so its tests see exactly what a client would.</summary>
internal sealed class VastWire(Uri baseUrl, string key) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseUrl };

    public VastWire(VastSimulator simulator)
        : this(simulator.BaseUrl, simulator.ApiKey)
    {
    }

    public string Key { get; set; } = key;

    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        if (body is not null)
        {
            var json = body as string ?? System.Text.Json.JsonSerializer.Serialize(body);
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, text, response);
    }

    public async Task<JsonObject> JsonAsync(HttpMethod method, string path, object? body = null, int expectedStatus = 200)
    {
        var (status, text, _) = await SendAsync(method, path, body);
        Assert.True(status == expectedStatus, $"expected {expectedStatus}, got {status}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public Task<JsonObject> SearchAsync(object filter) => JsonAsync(HttpMethod.Post, "api/v0/bundles/", filter);

    public async Task<long> CreateAsync(long offerId, string label = "loratrainer:test:uid:1", Dictionary<string, string>? env = null)
    {
        var answer = await JsonAsync(HttpMethod.Put, $"api/v0/asks/{offerId}/", CreateBody(label, env));
        return answer["new_contract"]!.GetValue<long>();
    }

    public async Task<JsonNode?> ShowAsync(long id) => (await JsonAsync(HttpMethod.Get, $"api/v0/instances/{id}/"))["instances"];

    public static object CreateBody(string label = "loratrainer:test:uid:1", Dictionary<string, string>? env = null) => new Dictionary<string, object>
    {
        ["client_id"] = "me",
        ["image"] = "ghcr.io/acme/lora-trainer-gpu:1.2.0",
        ["disk"] = 60,
        ["label"] = label,
        ["env"] = env ?? new Dictionary<string, string> { ["LORATRAINER_RUN_URL"] = "https://hooks.example.com/v1/runs/ml/a", ["LORATRAINER_RUN_TOKEN"] = "t0ken" },
        ["runtype"] = "args",
        ["args"] = Array.Empty<string>(),
        ["cancel_unavail"] = true,
    };

    public void Dispose() => _http.Dispose();
}
