using k8s;
using LoraTrainer.Api;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;
using LoraTrainer.Testing.World;
using LoraTrainer.Benchmarks.Fixtures;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>Vast calls of one stack: 429 answers, DELETEs, and DELETEs of an instance already gone.</summary>
internal sealed record VastCalls(int RateLimited, int Destroys, int DestroysOfGone);

/// <summary>
/// One measurement's own system, every part over HTTP on 127.0.0.1: the Kubernetes API fake, the Vast simulator
/// (Vast's rate limits enforced), the real receiver host and the real operator host. s3rver and the Civitai fake
/// are shared. Each measurement gets its own stack, so the operator's per-endpoint Vast pacing of one never
/// delays another.
/// </summary>
internal sealed class MoneyStack : IAsyncDisposable
{
    public const string Namespace = "ml-team";

    private readonly TestWorld _world;
    private readonly k8s.Kubernetes _client;

    private MoneyStack(string name, TestWorld world)
    {
        Name = name;
        _world = world;
        _client = world.Kube.CreateClient();
        Agents = new HttpClient(new SocketsHttpHandler { UseProxy = false });
    }

    /// <summary>The measurement's name, used in progress lines and object names.</summary>
    public string Name { get; }

    public FakeKubeApiServer Kube => _world.Kube;

    public VastSimulator Vast => _world.Vast;

    /// <summary>The HTTP client simulated agents use (receiver and presigned S3 URLs).</summary>
    public HttpClient Agents { get; }

    /// <summary>
    /// Starts the fakes, the receiver (default settings but the per-client limit) and the operator's services (its own
    /// defaults but where the fakes are, with <paramref name="overrides"/> on top), sharing <paramref name="s3"/> and <paramref name="civitai"/>.
    /// </summary>
    public static async Task<MoneyStack> StartAsync(string name, S3rverServer s3, CivitaiFake civitai, IReadOnlyDictionary<string, string?> overrides,
        CancellationToken cancellationToken) =>
        new(name, await TestWorld.Create().InNamespace(Namespace).KeepingRequests(200_000)
            .WithVast(new VastSimulatorOptions { Lifecycle = VastLifecycle.Immediate, EnforceRateLimits = true }, MoneyMarket.Offers(VastLifecycle.Immediate))
            .WithS3(s3).WithCivitai(civitai)
            .WithReceiver(receiver =>
            {
                QuietLogging(receiver.Logging);
                receiver.Configuration.AddInMemoryCollection(BenchmarkWorld.UnlimitedClients);
            })
            .WithOperator(settings => MoneySettings.Apply(settings, overrides), host: host => QuietLogging(host.Logging))
            .StartAsync(cancellationToken));

    /// <summary>Creates the run through the Kubernetes API, as <c>kubectl create</c> does (one POST).</summary>
    public async Task ApplyAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        run.Metadata.NamespaceProperty = Namespace;
        await TrainingRunRequests.CreateAsync(_client, run, cancellationToken);
    }

    /// <summary>Deletes the run (its finalizer releases what it holds) and waits until it is gone.</summary>
    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await TrainingRunRequests.DeleteAsync(_client, Namespace, name, cancellationToken);
        await Kube.WaitForDeletionAsync(TrainingRun.ApiVersionString, TrainingRun.KindName, Namespace, name, TimeSpan.FromSeconds(60), cancellationToken);
    }

    public TrainingRun Run(string name) => Kube.Get<TrainingRun>(Namespace, name) ?? throw new InvalidOperationException($"TrainingRun {name} vanished");

    /// <summary>The first request to <paramref name="route"/> at or after <paramref name="since"/> (matching <paramref name="path"/> when given).</summary>
    public VastRecordedRequest? FirstVastRequest(VastRoute route, DateTimeOffset since, Func<string, bool>? path = null) =>
        Vast.RequestsTo(route).FirstOrDefault(r => r.At >= since && (path is null || path(r.Path)));

    /// <summary>Waits for the first request to <paramref name="route"/> at or after <paramref name="since"/>.</summary>
    public async Task<VastRecordedRequest> WaitForVastRequestAsync(VastRoute route, DateTimeOffset since, Func<string, bool>? path, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        VastRecordedRequest? found = null;
        await Eventually.UntilAsync(() => (found = FirstVastRequest(route, since, path)) is not null, timeout, $"{Name}: a Vast {route} request",
            interval: Measuring.Poll.Interval, cancellationToken: cancellationToken);
        return found!;
    }

    /// <summary>The first read of one instance after <paramref name="since"/>: after a DELETE, the one that confirmed it gone.</summary>
    public VastRecordedRequest? FirstShow(string instanceId, DateTimeOffset since) =>
        FirstVastRequest(VastRoute.Show, since, p => p.TrimEnd('/').EndsWith($"/{instanceId}", StringComparison.Ordinal));

    /// <summary>The DELETE of one instance, once recorded.</summary>
    public Task<VastRecordedRequest> WaitForDestroyAsync(string instanceId, DateTimeOffset since, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForVastRequestAsync(VastRoute.Destroy, since, p => p.TrimEnd('/').EndsWith($"/{instanceId}", StringComparison.Ordinal), timeout, cancellationToken);

    /// <summary>What the operator asked of Vast in this stack: refusals as too frequent (pacing should make them zero) and destroys.</summary>
    public VastCalls Calls()
    {
        var requests = Vast.Requests;
        var destroys = requests.Where(r => r.Route == VastRoute.Destroy).ToList();
        return new VastCalls(requests.Count(r => r.Status == 429), destroys.Count, destroys.Count(r => r.Status == 404));
    }

    public async ValueTask DisposeAsync()
    {
        Agents.Dispose();
        _client.Dispose();
        await _world.DisposeAsync();
    }

    /// <summary>Warnings and errors only, to stderr, so a retry or a failure shows next to the figures.</summary>
    private static void QuietLogging(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddSimpleConsole(o => o.SingleLine = true);
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    }
}
