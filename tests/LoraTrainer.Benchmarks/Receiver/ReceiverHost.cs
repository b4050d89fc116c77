using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.World;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;
using Microsoft.Extensions.Configuration;

namespace LoraTrainer.Benchmarks.Receiver;

/// <summary>
/// The real receiver on 127.0.0.1 against the Kubernetes API fake, with N runs in training, each with its Secret and
/// a <see cref="SimulatedAgent"/> holding its token. The receiver is the host (ReceiverApplication) in this process, or
/// a <see cref="ProgramBuild"/>'s receiver in its own process.
/// </summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    public const string Namespace = "ml-team";

    private readonly TestWorld _world;
    private readonly ComponentProcess? _process;

    private ReceiverHost(TestWorld world, IReadOnlyList<SimulatedAgent> agents, ComponentProcess? process)
    {
        _world = world;
        _process = process;
        Agents = agents;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseProxy = false })
        {
            BaseAddress = process?.BaseUrl ?? world.Receiver.BaseUrl,
        };
    }

    public FakeKubeApiServer Kube => _world.Kube;

    public IReadOnlyList<SimulatedAgent> Agents { get; }

    /// <summary>A client for the agents; one connection per concurrent agent.</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// Starts the fake, seeds <paramref name="runs"/> runs in training and starts the receiver with
    /// <paramref name="settings"/> (<c>Receiver:…</c> keys): in this process, or <paramref name="build"/>'s as a process.
    /// </summary>
    public static async Task<ReceiverHost> StartAsync(int runs, IReadOnlyDictionary<string, string?> settings, ProgramBuild? build, CancellationToken cancellationToken)
    {
        var world = build is null
            ? await TestWorld.Create().InNamespace(Namespace).KeepingRequests(200_000)
                .WithReceiver(receiver => receiver.Configuration.AddInMemoryCollection(BenchmarkWorld.UnlimitedClients).AddInMemoryCollection(settings))
                .StartAsync(cancellationToken)
            : await TestWorld.Create().InNamespace(Namespace).KeepingRequests(200_000).WithUsers(BenchmarkWorld.ReceiverUser).StartAsync(cancellationToken);
        var agents = Enumerable.Range(0, runs).Select(i => Seed(world.Kube, $"run-{i:D4}")).ToList();
        try
        {
            var process = build is null ? null : await Components.StartReadyAsync(
                () => Components.StartReceiver(world, settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value), build),
                cancellationToken);
            return new ReceiverHost(world, agents, process);
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>CPU time the receiver has used outside this process: zero when it runs here, where this process's own time counts it.</summary>
    public TimeSpan OutsideCpu() => _process?.Cpu() ?? TimeSpan.Zero;

    /// <summary>The receiver process's resident set now and at its highest; null when it runs in this process.</summary>
    public ProcessMemory? Memory() => _process?.Memory();

    public TrainingRun Run(string name) => Kube.Get<TrainingRun>(Namespace, name) ?? throw new InvalidOperationException($"TrainingRun {name} vanished");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

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
