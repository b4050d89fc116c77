using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.World;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace LoraTrainer.Webhook.Tests;

/// <summary>The real receiver host on 127.0.0.1 against the Kubernetes API fake, with a signing agent client.</summary>
/// <remarks>Each fixture has its own Prometheus registry, so a test reads the figures of its own traffic only.</remarks>
public sealed class ReceiverFixture : IAsyncDisposable
{
    public const string Namespace = "ml-team";

    /// <summary>What every seeded config's presigned URLs carry; it must never reach a log.</summary>
    public const string PresignedSignature = "X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

    private readonly TestWorld _world;

    private ReceiverFixture(TestWorld world, FakeTimeProvider time, FakeLogCollector logs, CollectorRegistry metrics)
    {
        _world = world;
        Time = time;
        Logs = logs;
        Metrics = metrics;
        Http = new HttpClient { BaseAddress = world.Receiver.BaseUrl };
    }

    public FakeKubeApiServer Kube => _world.Kube;

    public FakeTimeProvider Time { get; }

    public FakeLogCollector Logs { get; }

    public CollectorRegistry Metrics { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _world.Receiver.Services;

    /// <summary>
    /// Starts the fake and the receiver with <paramref name="settings"/> (<c>Receiver:…</c> keys); <paramref name="client"/>
    /// makes the receiver's Kubernetes client (default: one for the fake).
    /// </summary>
    public static async Task<ReceiverFixture> StartAsync(Dictionary<string, string>? settings = null, Func<FakeKubeApiServer, IKubernetes>? client = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new FakeLogCollector();
        var metrics = Prometheus.Metrics.NewCustomRegistry();
        var world = await TestWorld.Create().InNamespace(Namespace).WithReceiver(builder =>
        {
            foreach (var (key, value) in settings ?? [])
            {
                builder.Configuration[key] = value;
            }

            builder.Logging.SetMinimumLevel(LogLevel.Debug);
            builder.Logging.AddProvider(new FakeLoggerProvider(logs));
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddSingleton(metrics);
            if (client is not null)
            {
                builder.Services.AddSingleton(services => client(services.GetRequiredService<FakeKubeApiServer>()));
            }
        }).StartAsync(TestContext.Current.CancellationToken);
        return new ReceiverFixture(world, time, logs, metrics);
    }

    /// <summary>Starts the receiver host again after <see cref="StopHostAsync"/>, on its port; state lives only in the TrainingRun.</summary>
    public Task StartHostAsync() => _world.Receiver.StartAsync();

    public Task StopHostAsync() => _world.Receiver.StopAsync();

    /// <summary>
    /// Seeds a run in <paramref name="phase"/> with its Secret, and returns the run's token. The Secret holds a config
    /// whose outputs are presigned like the operator's (every epoch too when <paramref name="keepAll"/>), unless
    /// <paramref name="withConfig"/> is false.
    /// </summary>
    public string SeedRun(string name, TrainingPhase phase = TrainingPhase.PendingGpu, int attempt = 1, bool withConfig = true, bool keepAll = false,
        Func<TrainingRunBuilder, TrainingRunBuilder>? customize = null)
    {
        var builder = new TrainingRunBuilder().Named(name, Namespace).InPhase(phase, attempt, Time.GetUtcNow().AddMinutes(-1));
        var run = (customize?.Invoke(builder) ?? builder).Build();
        if (phase == TrainingPhase.Training)
        {
            run.Status = run.Status! with { Output = null };
        }

        return RunSeeding.SeedWithSecret(Kube, run, withConfig ? Config(name, attempt, keepAll) : null).Token;
    }

    /// <summary>The object key of a seeded run's best epoch.</summary>
    public static string BestKey(string name) => $"loras/anna/{name}.safetensors";

    /// <summary>The object key of one epoch of a seeded run that keeps all epochs.</summary>
    public static string EpochKey(string name, int epoch) => $"loras/anna/{name}-{epoch:D6}.safetensors";

    /// <summary>The object key of one sample image of a seeded run (epochs 0 to 3, prompts 0 and 1 are presigned).</summary>
    public static string SampleKey(string name, int epoch, int prompt) => $"loras/anna/samples/{name}/e{epoch:D6}-{prompt:D2}.png";

    public TrainingRun Run(string name) => Kube.Get<TrainingRun>(Namespace, name)!;

    public static string EventsPath(string name) => AgentEnvironment.RunPath(Namespace, name) + "/events";

    public static string ConfigPath(string name) => AgentEnvironment.RunPath(Namespace, name) + "/config";

    /// <summary>Posts a signed event; <paramref name="clockOffset"/> skews the signing clock.</summary>
    public Task<HttpResponseMessage> PostAsync(string name, string token, AgentEvent evt, TimeSpan clockOffset = default) =>
        PostRawAsync(name, token, JsonSerializer.SerializeToUtf8Bytes(evt, ProtocolJson.Options), clockOffset);

    public Task<HttpResponseMessage> PostRawAsync(string name, string token, byte[] body, TimeSpan clockOffset = default, string? pathOverride = null) =>
        SendSignedAsync(HttpMethod.Post, EventsPath(name), token, body, new ByteArrayContent(body), clockOffset, signedPath: pathOverride);

    /// <summary>Posts a signed body with <paramref name="contentType"/> as its Content-Type header, verbatim, or none when null.</summary>
    public Task<HttpResponseMessage> PostWithContentTypeAsync(string name, string token, byte[] body, string? contentType) =>
        SendSignedAsync(HttpMethod.Post, EventsPath(name), token, body, new ByteArrayContent(body), contentType: contentType);

    /// <summary>Posts a signed body without a Content-Length (chunked), as a streaming client would.</summary>
    public Task<HttpResponseMessage> PostChunkedAsync(string name, string token, byte[] body)
    {
        var content = new ChunkedContent(body);
        Assert.Null(content.Headers.ContentLength);
        return SendSignedAsync(HttpMethod.Post, EventsPath(name), token, body, content);
    }

    /// <summary>A signed <c>GET {run}/config</c>.</summary>
    public Task<HttpResponseMessage> GetConfigAsync(string name, string token) =>
        SendSignedAsync(HttpMethod.Get, ConfigPath(name), token, [], content: null);

    /// <summary>An unsigned request to <paramref name="path"/> (which need not name a valid run).</summary>
    public Task<HttpResponseMessage> PostUnsignedAsync(string path) =>
        Http.PostAsync(path, new StringContent("""{"seq":1,"kind":"heartbeat","attempt":1}"""));

    public async Task<EventAck> PostOkAsync(string name, string token, AgentEvent evt)
    {
        using var response = await PostAsync(name, token, evt);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EventAck>(ProtocolJson.Options))!;
    }

    public int StatusWrites(string name) =>
        Kube.RequestLog.Count(e => e.Method == "PATCH" && e.Path.EndsWith($"/trainingruns/{name}/status", StringComparison.Ordinal));

    /// <summary>
    /// The run's status writes once the request log holds at least <paramref name="atLeast"/>: the fake stores a write
    /// before it logs the request (as its answer starts), so a test that saw the stored change waits for the log too.
    /// </summary>
    public async Task<int> StatusWritesAsync(string name, int atLeast)
    {
        await Eventually.UntilAsync(() => StatusWrites(name) >= atLeast, TimeSpan.FromSeconds(10), $"{atLeast} status writes of {name} in the request log",
            cancellationToken: TestContext.Current.CancellationToken);
        return StatusWrites(name);
    }

    /// <summary>Kubernetes requests that read a Secret (any run's).</summary>
    public int SecretReads() => Kube.RequestLog.Count(e => e.Method == "GET" && e.Path.Contains("/secrets/", StringComparison.Ordinal));

    /// <summary>
    /// A sample scraped from <c>/metrics</c>, e.g. <c>loratrainer_receiver_events_total{kind="gpuReady",outcome="accepted"}</c>
    /// (labels in declared order); 0 when the series does not exist yet.
    /// </summary>
    public async Task<double> MetricAsync(string series)
    {
        var text = await Http.GetStringAsync("/metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until <paramref name="series"/> reads <paramref name="expected"/>: a counter moves just after the write it counts lands.</summary>
    public Task<double> WaitForMetricAsync(string series, double expected) =>
        Eventually.UntilAsync(_ => MetricAsync(series), value => value == expected, TimeSpan.FromSeconds(10), $"{series} to read {expected}");

    /// <summary>Everything the receiver logged, messages and exceptions.</summary>
    public string LogText() => string.Join("\n", Logs.GetSnapshot().Select(r => r.Message + " " + r.Exception));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _world.DisposeAsync();
    }

    private async Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, string path, string token, byte[] body, HttpContent? content,
        TimeSpan clockOffset = default, string? signedPath = null, string? contentType = "application/json")
    {
        var timestamp = (Time.GetUtcNow() + clockOffset).ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (content is not null && contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        request.Headers.Add(RequestSigner.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Sign(token, timestamp, method.Method, signedPath ?? path, body));
        return await Http.SendAsync(request);
    }

    private AgentConfig Config(string name, int attempt, bool keepAll)
    {
        string Presigned(string key) => $"https://s3.example.com/trained-loras/{key}?X-Amz-Expires=3600&{PresignedSignature}";
        return new AgentConfig
        {
            Run = new RunIdentity { Namespace = Namespace, Name = name, Attempt = attempt },
            Dataset = new DatasetSource { Url = Presigned($"datasets/{name}.zip"), Bytes = 1000 },
            Outputs = new OutputTargets
            {
                Best = new UploadTarget { Key = BestKey(name), Url = Presigned(BestKey(name)) },
                Epochs = keepAll ? [.. Enumerable.Range(1, 3).Select(e => new EpochUploadTarget { Epoch = e, Key = EpochKey(name, e), Url = Presigned(EpochKey(name, e)) })] : [],
                Samples = [.. from e in Enumerable.Range(0, 4) from p in Enumerable.Range(0, 2)
                              select new SampleUploadTarget { Epoch = e, Prompt = p, Key = SampleKey(name, e, p), Url = Presigned(SampleKey(name, e, p)) }],
            },
        };
    }

    /// <summary>A body whose length is not known in advance, so HttpClient sends it chunked, without a Content-Length.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < body.Length; offset += 4096)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(4096, body.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
