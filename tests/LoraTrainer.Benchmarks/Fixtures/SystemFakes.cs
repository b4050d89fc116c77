using System.Security.Cryptography;
using k8s;
using k8s.Models;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Fixtures;

/// <summary>
/// Every external system the operator and the receiver talk to, on 127.0.0.1 in this process (s3rver as its own node
/// process): the Kubernetes API fake with the CRD and a namespace, the Vast simulator (instances run as soon as their image is pulled), the
/// Civitai fake and s3rver with an images and an output bucket. Each component gets its own kubeconfig, with its
/// own token, so the fake's request log tells the operator's requests from the receiver's.
/// </summary>
internal sealed class SystemFakes : IAsyncDisposable
{
    public const string Namespace = "ml-team";
    public const string ImagesBucket = "training-images";
    public const string OutputBucket = "trained-loras";
    public const string OperatorUser = "operator";
    public const string ReceiverUser = "receiver";
    public const string BenchmarkUser = "benchmark";

    private readonly string _folder;
    private readonly Dictionary<string, string> _tokens;

    private SystemFakes(string folder, Dictionary<string, string> tokens, FakeKubeApiServer kube, VastSimulator vast, CivitaiFake civitai, S3rverServer s3)
    {
        _folder = folder;
        _tokens = tokens;
        Kube = kube;
        Vast = vast;
        Civitai = civitai;
        S3 = s3;
    }

    public FakeKubeApiServer Kube { get; }
    public VastSimulator Vast { get; }
    public CivitaiFake Civitai { get; }
    public S3rverServer S3 { get; }

    /// <summary>
    /// Starts every fake; the Kubernetes request log keeps the last <paramref name="requestLogCapacity"/> requests, and an
    /// instance runs <paramref name="boot"/> after it is created (its image pull; zero is Vast's quickest possible start).
    /// </summary>
    public static async Task<SystemFakes> StartAsync(int requestLogCapacity, TimeSpan boot, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("loratrainer-bench-").FullName;
        var tokens = new[] { OperatorUser, ReceiverUser, BenchmarkUser }.ToDictionary(user => user, _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var kube = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions
        {
            RequestLogCapacity = requestLogCapacity,
            Users = tokens.ToDictionary(t => t.Value, t => t.Key),
        }, cancellationToken);
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        kube.Seed(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = Namespace } });
        foreach (var (user, token) in tokens)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"{user}.kubeconfig"), Testing.Kubernetes.Kubeconfig.For(kube.BaseAddress, Namespace, token), cancellationToken);
        }

        var vast = await VastSimulator.StartAsync(new VastSimulatorOptions { Lifecycle = VastLifecycle.Immediate with { Loading = boot } }, cancellationToken);
        var civitai = await CivitaiFake.StartAsync(cancellationToken: cancellationToken);
        var s3 = await S3rverServer.StartAsync(cancellationToken);
        await s3.EnsureBucketAsync(ImagesBucket, cancellationToken);
        await s3.EnsureBucketAsync(OutputBucket, cancellationToken);
        return new SystemFakes(folder, tokens, kube, vast, civitai, s3);
    }

    /// <summary>A client acting as the benchmark itself (user <see cref="BenchmarkUser"/>), e.g. to apply runs.</summary>
    public k8s.Kubernetes CreateBenchmarkClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath(BenchmarkUser)));

    /// <summary>
    /// The operator's environment: <see cref="OperatorSettings.ForFakes"/> as variables (<c>Operator__ClusterName</c>…),
    /// its kubeconfig, and <paramref name="overrides"/> (a null value removes a setting, so the product's default applies).
    /// </summary>
    public Dictionary<string, string?> OperatorEnvironment(Uri receiver, IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = OperatorSettings.ForFakes(receiver, Vast, S3.ServiceUrl, Civitai, clusterName: "bench");
        var environment = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value, StringComparer.Ordinal);
        environment["KUBECONFIG"] = KubeconfigPath(OperatorUser);
        return Apply(environment, overrides);
    }

    /// <summary>The receiver's environment: its kubeconfig, and <paramref name="overrides"/> (<c>Receiver__…</c> keys).</summary>
    /// <remarks>
    /// Every simulated agent reaches the receiver from 127.0.0.1, where on the internet each GPU host has its own
    /// address: the per-client limit is raised out of the way, as if they did.
    /// </remarks>
    public Dictionary<string, string?> ReceiverEnvironment(IReadOnlyDictionary<string, string?> overrides) =>
        Apply(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["KUBECONFIG"] = KubeconfigPath(ReceiverUser),
            ["Receiver__RequestsPerSecondPerClient"] = "1000000",
            ["Receiver__RequestBurstPerClient"] = "10000000",
        }, overrides);

    public async ValueTask DisposeAsync()
    {
        await Vast.DisposeAsync();
        await Civitai.DisposeAsync();
        await S3.DisposeAsync();
        await Kube.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private string KubeconfigPath(string user) => _tokens.ContainsKey(user) ? Path.Combine(_folder, $"{user}.kubeconfig") : throw new ArgumentOutOfRangeException(nameof(user));

    private static Dictionary<string, string?> Apply(Dictionary<string, string?> environment, IReadOnlyDictionary<string, string?> overrides)
    {
        foreach (var (key, value) in overrides)
        {
            if (value is null)
            {
                environment.Remove(key);
            }
            else
            {
                environment[key] = value;
            }
        }

        return environment;
    }
}
