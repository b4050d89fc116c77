using LoraTrainer.Testing.Vast;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Benchmarks.Fixtures;

/// <summary>
/// The <see cref="TestWorld"/> the operator and the receiver run against as their own processes: the Kubernetes API
/// fake with a namespace, the Vast simulator, the Civitai fake and s3rver. Each component gets its own kubeconfig,
/// with its own token, so the fake's request log tells the operator's requests from the receiver's.
/// </summary>
internal static class BenchmarkWorld
{
    public const string Namespace = "ml-team";
    public const string ImagesBucket = TestWorld.ImagesBucket;
    public const string OutputBucket = TestWorld.OutputBucket;
    public const string OperatorUser = TestWorld.OperatorUser;
    public const string ReceiverUser = "receiver";
    public const string BenchmarkUser = "benchmark";

    /// <summary>
    /// Starts the world; the Kubernetes request log keeps the last <paramref name="requestLogCapacity"/> requests, and an
    /// instance runs <paramref name="boot"/> after it is created (its image pull; zero is Vast's quickest possible start).
    /// </summary>
    public static Task<TestWorld> StartAsync(int requestLogCapacity, TimeSpan boot, CancellationToken cancellationToken) =>
        TestWorld.Create().InNamespace(Namespace).KeepingRequests(requestLogCapacity).WithUsers(ReceiverUser, BenchmarkUser)
            .WithVast(new VastSimulatorOptions { Lifecycle = VastLifecycle.Immediate with { Loading = boot } }).WithS3().WithCivitai()
            .StartAsync(cancellationToken);

    /// <summary>A client acting as the benchmark itself (user <see cref="BenchmarkUser"/>), e.g. to apply runs.</summary>
    public static k8s.Kubernetes CreateBenchmarkClient(this TestWorld world) => world.CreateClient(BenchmarkUser);

    /// <summary>The receiver's environment: its kubeconfig, and <paramref name="overrides"/> (<c>Receiver__…</c> keys).</summary>
    /// <remarks>
    /// Every simulated agent reaches the receiver from 127.0.0.1, where on the internet each GPU host has its own
    /// address: the per-client limit is raised out of the way, as if they did.
    /// </remarks>
    public static Dictionary<string, string?> ReceiverEnvironment(this TestWorld world, IReadOnlyDictionary<string, string?> overrides)
    {
        var environment = new Dictionary<string, string?>(UnlimitedClients.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value), StringComparer.Ordinal)
        {
            ["KUBECONFIG"] = world.KubeconfigPath(ReceiverUser),
        };
        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>The receiver settings that let every simulated agent, all on 127.0.0.1, through as if each had its own address.</summary>
    public static IReadOnlyDictionary<string, string?> UnlimitedClients { get; } = new Dictionary<string, string?>(StringComparer.Ordinal)
    {
        ["Receiver:RequestsPerSecondPerClient"] = "1000000",
        ["Receiver:RequestBurstPerClient"] = "10000000",
    };
}
