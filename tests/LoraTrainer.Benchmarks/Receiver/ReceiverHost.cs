using System.Text;
using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Benchmarks.Receiver;

/// <summary>
/// The real receiver host (AddWebhookReceiver, MapWebhookReceiver) on 127.0.0.1 against the Kubernetes API fake,
/// with N runs in training, each with its Secret and a <see cref="SimulatedAgent"/> holding its token.
/// </summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    public const string Namespace = "ml-team";

    private readonly WebApplication _app;

    private ReceiverHost(FakeKubeApiServer kube, WebApplication app, IReadOnlyList<SimulatedAgent> agents)
    {
        Kube = kube;
        _app = app;
        Agents = agents;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false })
        {
            BaseAddress = new Uri(app.Urls.First()),
        };
    }

    public FakeKubeApiServer Kube { get; }

    public IReadOnlyList<SimulatedAgent> Agents { get; }

    /// <summary>A client for the agents; one connection per concurrent agent.</summary>
    public HttpClient Http { get; }

    /// <summary>Starts the fake, seeds <paramref name="runs"/> runs in training and starts the receiver with <paramref name="settings"/>.</summary>
    public static async Task<ReceiverHost> StartAsync(int runs, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var kube = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { RequestLogCapacity = 200_000 }, cancellationToken);
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        var agents = Enumerable.Range(0, runs).Select(i => Seed(kube, $"run-{i:D4}")).ToList();

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // Every simulated agent shares 127.0.0.1, where on the internet each GPU host has its own address.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Receiver:RequestsPerSecondPerClient"] = "1000000",
            ["Receiver:RequestBurstPerClient"] = "10000000",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IKubernetes>(_ => kube.CreateClient());
        builder.Services.AddWebhookReceiver();
        var app = builder.Build();
        app.MapWebhookReceiver();
        await app.StartAsync(cancellationToken);
        return new ReceiverHost(kube, app, agents);
    }

    public TrainingRun Run(string name) => Kube.Get<TrainingRun>(Namespace, name) ?? throw new InvalidOperationException($"TrainingRun {name} vanished");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Kube.DisposeAsync();
    }

    private static SimulatedAgent Seed(FakeKubeApiServer kube, string name)
    {
        var run = new TrainingRunBuilder().Named(name, Namespace).InPhase(TrainingPhase.Training, 1, TimeProvider.System.GetUtcNow().AddMinutes(-1)).Build();
        run.Status = run.Status! with { Output = null };
        run.Metadata.Uid = null;
        var (_, token) = RunSeeding.SeedWithSecret(kube, run);
        return new SimulatedAgent(Namespace, name, token);
    }
}
