using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Webhook.Tests;

/// <summary>The real receiver host on 127.0.0.1 against the Kubernetes API fake, with a signing agent client.</summary>
public sealed class ReceiverFixture : IAsyncDisposable
{
    public const string Namespace = "ml-team";

    private WebApplication? _app;
    private readonly Dictionary<string, string> _settings;

    private ReceiverFixture(FakeKubeApiServer kube, Dictionary<string, string> settings)
    {
        Kube = kube;
        _settings = settings;
    }

    public FakeKubeApiServer Kube { get; }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public FakeLogCollector Logs { get; } = new();

    public HttpClient Http { get; private set; } = new();

    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1");

    public static async Task<ReceiverFixture> StartAsync(Dictionary<string, string>? settings = null)
    {
        var kube = await FakeKubeApiServer.StartAsync();
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        var fixture = new ReceiverFixture(kube, settings ?? []);
        await fixture.StartHostAsync();
        return fixture;
    }

    /// <summary>Starts (or restarts) the receiver host; state lives only in the TrainingRun.</summary>
    public async Task StartHostAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        foreach (var (key, value) in _settings)
        {
            builder.Configuration[key] = value;
        }

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Logging.AddProvider(new FakeLoggerProvider(Logs));
        builder.Services.AddSingleton<TimeProvider>(Time);
        builder.Services.AddSingleton<IKubernetes>(_ => Kube.CreateClient());
        builder.Services.AddWebhookReceiver();
        _app = builder.Build();
        _app.MapWebhookReceiver();
        _app.MapReceiverOperations();
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.First());
        Http = new HttpClient { BaseAddress = BaseAddress };
    }

    public async Task StopHostAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Seeds a run in <paramref name="phase"/> with its Secret, and returns the run's token.</summary>
    public string SeedRun(string name, TrainingPhase phase = TrainingPhase.PendingGpu, int attempt = 1)
    {
        var run = new TrainingRunBuilder().Named(name, Namespace).InPhase(phase, attempt, Time.GetUtcNow().AddMinutes(-1)).Build();
        if (phase == TrainingPhase.Training)
        {
            run.Status = run.Status! with { Output = null };
        }

        var config = new AgentConfig { Run = new RunIdentity { Namespace = Namespace, Name = name, Attempt = attempt } };
        return RunSeeding.SeedWithSecret(Kube, run, config).Token;
    }

    public TrainingRun Run(string name) => Kube.Get<TrainingRun>(Namespace, name)!;

    public static string EventsPath(string name) => AgentEnvironment.RunPath(Namespace, name) + "/events";

    /// <summary>Posts a signed event; <paramref name="clockOffset"/> skews the signing clock.</summary>
    public Task<HttpResponseMessage> PostAsync(string name, string token, AgentEvent evt, TimeSpan clockOffset = default) =>
        PostRawAsync(name, token, JsonSerializer.SerializeToUtf8Bytes(evt, ProtocolJson.Options), clockOffset);

    public async Task<HttpResponseMessage> PostRawAsync(string name, string token, byte[] body, TimeSpan clockOffset = default, string? pathOverride = null)
    {
        var path = EventsPath(name);
        var timestamp = (Time.GetUtcNow() + clockOffset).ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(token, timestamp, "POST", pathOverride ?? path, body));
        return await Http.SendAsync(request);
    }

    public async Task<EventAck> PostOkAsync(string name, string token, AgentEvent evt)
    {
        using var response = await PostAsync(name, token, evt);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EventAck>(ProtocolJson.Options))!;
    }

    public int StatusWrites(string name) =>
        Kube.RequestLog.Count(e => e.Method == "PATCH" && e.Path.EndsWith($"/trainingruns/{name}/status", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await StopHostAsync();
        Http.Dispose();
        await Kube.DisposeAsync();
    }
}
