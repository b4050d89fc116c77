using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.World;
using LoraTrainer.Benchmarks.Fixtures;
using Microsoft.Extensions.Configuration;

namespace LoraTrainer.Benchmarks.Receiver;

/// <summary>
/// The real receiver host (ReceiverApplication) on 127.0.0.1 against the Kubernetes API fake,
/// with N runs in training, each with its Secret and a <see cref="SimulatedAgent"/> holding its token.
/// </summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    public const string Namespace = "ml-team";

    private readonly TestWorld _world;

    private ReceiverHost(TestWorld world, IReadOnlyList<SimulatedAgent> agents)
    {
        _world = world;
        Agents = agents;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false })
        {
            BaseAddress = world.Receiver.BaseUrl,
        };
    }

    public FakeKubeApiServer Kube => _world.Kube;

    public IReadOnlyList<SimulatedAgent> Agents { get; }

    /// <summary>A client for the agents; one connection per concurrent agent.</summary>
    public HttpClient Http { get; }

    /// <summary>Starts the fake, seeds <paramref name="runs"/> runs in training and starts the receiver with <paramref name="settings"/>.</summary>
    public static async Task<ReceiverHost> StartAsync(int runs, IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var world = await TestWorld.Create().InNamespace(Namespace).KeepingRequests(200_000)
            .WithReceiver(receiver => receiver.Configuration.AddInMemoryCollection(BenchmarkWorld.UnlimitedClients).AddInMemoryCollection(settings))
            .StartAsync(cancellationToken);
        var agents = Enumerable.Range(0, runs).Select(i => Seed(world.Kube, $"run-{i:D4}")).ToList();
        return new ReceiverHost(world, agents);
    }

    public TrainingRun Run(string name) => Kube.Get<TrainingRun>(Namespace, name) ?? throw new InvalidOperationException($"TrainingRun {name} vanished");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _world.DisposeAsync();
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
