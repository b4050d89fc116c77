using System.Security.Cryptography;
using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The system on one machine, every part over real HTTP on 127.0.0.1: the Kubernetes API fake, s3rver (behind a
/// pass-through proxy that can inject failures), the Civitai fake and the Vast simulator; the real receiver host; the
/// real operator, as its own process (so it can be killed) or hosted in this process; and the real agent, started as
/// a process whenever a simulated instance reaches running. <see cref="Create"/> says which parts; <see cref="StartAsync(SimulatedOffer[])"/>
/// starts them all.
/// </summary>
internal sealed class TestWorld : IAsyncDisposable
{
    public const string DefaultNamespace = "default";
    public const string ImagesBucket = "training-images";
    public const string OutputBucket = "trained-loras";
    public const string ImagesPrefix = "people/anna/";
    public const long ModelVersionId = 128078;

    /// <summary>The operator's cluster name, which its Vast instance labels carry.</summary>
    public const string ClusterName = "test";

    /// <summary>Who the operator's requests are from in the API server's request log.</summary>
    public const string OperatorUser = "operator";

    /// <summary>Where the operator's callbacks go when the world has no receiver: a port nothing listens on.</summary>
    private static readonly Uri NoReceiver = new("http://127.0.0.1:9");

    private readonly Stack<IAsyncDisposable> _started = new();
    private readonly Dictionary<string, string> _tokens;
    private S3rverServer? _s3;
    private S3rverProxy? _s3Proxy;
    private CivitaiFake? _civitai;
    private VastSimulator? _vast;
    private ReceiverHost? _receiver;
    private OperatorHost? _operator;
    private InProcessOperator? _inProcessOperator;
    private AgentLauncher? _agents;
    private Kubectl? _kubectl;
    private byte[]? _model;

    private TestWorld(string folder, string @namespace, IEnumerable<string> users)
    {
        Folder = folder;
        Namespace = @namespace;
        _tokens = users.ToDictionary(user => user, _ => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), StringComparer.Ordinal);
    }

    /// <summary>A world with the Kubernetes API fake only; the builder adds the rest.</summary>
    public static TestWorldBuilder Create() => new();

    /// <summary>Every part (the operator as a process, the receiver in this process, agents as processes); <paramref name="offers"/> go on the Vast market before the operator starts.</summary>
    public static Task<TestWorld> StartAsync(params SimulatedOffer[] offers) => StartAsync(offers, CancellationToken.None);

    /// <inheritdoc cref="StartAsync(SimulatedOffer[])"/>
    /// <param name="civitaiBytesPerSecond">The rate the Civitai fake serves model files at; null serves them at once.</param>
    public static Task<TestWorld> StartAsync(IReadOnlyList<SimulatedOffer> offers, CancellationToken cancellationToken, long? civitaiBytesPerSecond = null) =>
        Create().WithVast(offers: offers).WithS3(proxy: true).WithCivitai(bytesPerSecond: civitaiBytesPerSecond).WithTrainingData()
            .WithReceiver(receiver =>
            {
                // Progress is written at once, so a test sees every value without waiting for the coalescing window.
                receiver.Configuration["Receiver:ProgressWriteInterval"] = "00:00:00";
                receiver.Configuration["Receiver:TokenCacheDuration"] = "00:00:01";
            })
            .WithOperatorProcess().WithAgents().StartAsync(cancellationToken);

    /// <summary>A folder of this world's own, deleted with it.</summary>
    public string Folder { get; }

    /// <summary>The namespace runs live in.</summary>
    public string Namespace { get; }

    public FakeKubeApiServer Kube { get; private set; } = null!;
    public S3rverServer S3 => Part(_s3);
    public S3rverProxy S3Proxy => Part(_s3Proxy);
    public CivitaiFake Civitai => Part(_civitai);
    public VastSimulator Vast => Part(_vast);
    public ReceiverHost Receiver => Part(_receiver);
    public OperatorHost Operator => Part(_operator);
    public InProcessOperator InProcessOperator => Part(_inProcessOperator);
    public AgentLauncher Agents => Part(_agents);
    public Kubectl Kubectl => Part(_kubectl);

    /// <summary>The base model's bytes, as Civitai serves them.</summary>
    public byte[] Model => Part(_model);

    internal static async Task<TestWorld> StartAsync(TestWorldBuilder parts, CancellationToken cancellationToken)
    {
        var world = new TestWorld(Directory.CreateTempSubdirectory("loratrainer-world-").FullName, parts.Namespace, parts.Users);
        try
        {
            await world.StartPartsAsync(parts, cancellationToken);
            return world;
        }
        catch
        {
            await world.DisposeAsync();
            throw;
        }
    }

    /// <summary>The kubeconfig of <paramref name="user"/> (one named when the world was built), written in <see cref="Folder"/>.</summary>
    public string KubeconfigPath(string user) =>
        _tokens.ContainsKey(user) ? Path.Combine(Folder, $"{user}.kubeconfig") : throw new ArgumentOutOfRangeException(nameof(user), user, "not a user of this world");

    /// <summary>A Kubernetes client acting as <paramref name="user"/>.</summary>
    public k8s.Kubernetes CreateClient(string user)
    {
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath(user));
        configuration.AddJsonOptions(LoraTrainer.Cluster.ClusterJson.AddTo);
        return new(configuration);
    }

    /// <summary>
    /// The operator's settings for this world (<see cref="OperatorSettings.ForFakes"/>): callbacks to <paramref name="receiver"/>,
    /// else to this world's receiver; S3 through the proxy when there is one. <paramref name="overrides"/> go on top (a null
    /// value removes a setting, so the product's default applies).
    /// </summary>
    public Dictionary<string, string?> OperatorSettings(Uri? receiver = null, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = Operators.OperatorSettings.ForFakes(receiver ?? _receiver?.BaseUrl ?? NoReceiver, Vast, _s3Proxy?.BaseUrl ?? S3.ServiceUrl, Civitai, ClusterName);
        return Apply(settings, overrides);
    }

    /// <summary>The operator's environment as a Deployment passes it (<c>Operator__ClusterName</c>…): <see cref="OperatorSettings"/> and its kubeconfig.</summary>
    public Dictionary<string, string?> OperatorEnvironment(Uri? receiver = null, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var environment = OperatorSettings(receiver).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value, StringComparer.Ordinal);
        environment["KUBECONFIG"] = KubeconfigPath(OperatorUser);
        return Apply(environment, overrides);
    }

    /// <summary>
    /// What a user exports for kubectl-lora to reach this world's S3 (<see cref="KubectlLora"/>): s3rver's credentials and
    /// its endpoint; <paramref name="kubeconfig"/> adds <c>KUBECONFIG</c>, so no command needs <c>--kubeconfig</c>.
    /// </summary>
    public Dictionary<string, string> PluginEnvironment(bool kubeconfig = false)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = S3rverServer.SecretAccessKey,
            ["AWS_ENDPOINT_URL"] = S3.ServiceUrl.ToString(),
        };
        if (kubeconfig)
        {
            environment["KUBECONFIG"] = Kubectl.KubeconfigPath;
        }

        return environment;
    }

    /// <summary>The files <see cref="TestWorldBuilder.WithTrainingData"/> puts under <see cref="ImagesPrefix"/>, by name: two images, one captioned.</summary>
    public static IReadOnlyList<(string Name, byte[] Content)> TrainingImages() =>
        [("portrait-1.jpg", Image.Jpeg(seed: 1)), ("portrait-1.txt", "ohwx woman, smiling"u8.ToArray()), ("portrait-2.png", Image.Png(seed: 2))];

    /// <summary>An offer on a healthy machine.</summary>
    public static SimulatedOffer Offer(long id, long machine, double price = 0.35, VastLifecycle? lifecycle = null) =>
        new() { Id = id, MachineId = machine, DphBase = price, Lifecycle = lifecycle };

    /// <summary>Applies a manifest with <c>kubectl apply</c>.</summary>
    public Task<string> ApplyAsync(string manifest) => Kubectl.ApplyAsync(manifest, Namespace);

    public TrainingRun? Run(string name) => Kube.Get<TrainingRun>(Namespace, name);

    public Task<TrainingRun> WaitForAsync(string name, Func<TrainingRun, bool> predicate, int seconds = 30, CancellationToken cancellationToken = default) =>
        Kube.WaitForAsync(Namespace, name, predicate, TimeSpan.FromSeconds(seconds), cancellationToken);

    public Task<TrainingRun> WaitForPhaseAsync(string name, TrainingPhase phase, int seconds = 30, CancellationToken cancellationToken = default) =>
        WaitForAsync(name, r => r.Status?.Phase == phase, seconds, cancellationToken);

    /// <summary>Waits until the simulator has no instance alive (the operator released everything).</summary>
    public async Task<VastCostReport> WaitForNothingAliveAsync(int seconds = 15, CancellationToken cancellationToken = default)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var cost = Vast.Cost();
            if (cost.AliveInstances == 0 || DateTimeOffset.UtcNow > until)
            {
                return cost;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>Stops every part this world started, last started first; shared parts keep running.</summary>
    public async ValueTask DisposeAsync()
    {
        while (_started.TryPop(out var part))
        {
            await part.DisposeAsync();
        }

        Directory.Delete(Folder, recursive: true);
    }

    private async Task StartPartsAsync(TestWorldBuilder parts, CancellationToken cancellationToken)
    {
        Kube = Started(await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions
        {
            RequestLogCapacity = parts.RequestLogCapacity,
            Users = _tokens.ToDictionary(t => t.Value, t => t.Key, StringComparer.Ordinal),
        }, cancellationToken));
        Kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        Kube.Seed(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = Namespace } });
        foreach (var (user, token) in _tokens)
        {
            await File.WriteAllTextAsync(KubeconfigPath(user), Kubeconfig.For(Kube.BaseAddress, Namespace, token), cancellationToken);
        }

        if (parts.S3)
        {
            _s3 = parts.SharedS3 ?? Started(await S3rverServer.StartAsync(cancellationToken));
            _s3Proxy = parts.S3Proxy ? Started(await S3rverProxy.StartAsync(_s3, cancellationToken)) : null;
            await _s3.EnsureBucketAsync(ImagesBucket, cancellationToken);
            await _s3.EnsureBucketAsync(OutputBucket, cancellationToken);
        }

        if (parts.Civitai)
        {
            _civitai = parts.SharedCivitai ?? Started(await CivitaiFake.StartAsync(cancellationToken: cancellationToken));
            if (parts.CivitaiBytesPerSecond is { } rate)
            {
                _civitai.BytesPerSecond = rate;
            }
        }

        if (parts.TrainingData)
        {
            await SeedTrainingDataAsync(cancellationToken);
        }

        if (parts.Vast is { } vastOptions)
        {
            _vast = Started(await VastSimulator.StartAsync(vastOptions, cancellationToken));
            _vast.AddOffers(parts.Offers);
        }

        if (parts.Agents)
        {
            _agents = Started(new AgentLauncher(Vast, Path.Combine(Folder, "gpu-hosts")) { Executable = NativePrograms.Agent.Selected });
            Vast.OnRunning = _agents.RunAsync;
        }

        if (parts.Receiver is { } configureReceiver)
        {
            _receiver = Started(new ReceiverHost(Kube, configureReceiver) { Executable = NativePrograms.Receiver.Selected });
            await _receiver.StartAsync();
        }

        if (parts.OperatorProcess)
        {
            _operator = Started(new OperatorHost(OperatorEnvironment(overrides: QuietOperator)) { Executable = NativePrograms.Operator.Selected });
            await _operator.StartAsync(cancellationToken);
        }

        if (parts.InProcessOperator is { } inProcess)
        {
            var settings = OperatorSettings();
            inProcess.Settings?.Invoke(settings);
            _inProcessOperator = Started(new InProcessOperator(Kube, settings, inProcess));
            await _inProcessOperator.StartAsync(cancellationToken);
        }

        var kubeconfig = await Kube.WriteKubeconfigAsync(Path.Combine(Folder, "kubeconfig"), Namespace, cancellationToken);
        _kubectl = new Kubectl(kubeconfig, Path.Combine(Folder, "kube-cache"));
    }

    /// <summary>The operator logs its own story (phase changes, rents, releases) and only warnings of its libraries, which is what a failing test shows of it.</summary>
    private static readonly Dictionary<string, string?> QuietOperator = new(StringComparer.Ordinal)
    {
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__LoraTrainer"] = "Information",
        ["Logging__LogLevel__Microsoft.Extensions.Diagnostics.HealthChecks"] = "None",
    };

    private async Task SeedTrainingDataAsync(CancellationToken cancellationToken)
    {
        foreach (var (name, content) in TrainingImages())
        {
            await S3.PutObjectAsync(ImagesBucket, ImagesPrefix + name, content, cancellationToken);
        }

        _model = RandomNumberGenerator.GetBytes(64 * 1024);
        Civitai.Add(FakeCivitaiVersion.Checkpoint(ModelVersionId, "SDXL 1.0", $"urn:air:sdxl:checkpoint:civitai:101055@{ModelVersionId}", "sd_xl_base_1.0.safetensors", _model));
    }

    private T Started<T>(T part) where T : IAsyncDisposable
    {
        _started.Push(part);
        return part;
    }

    private static T Part<T>(T? part, [System.Runtime.CompilerServices.CallerMemberName] string name = "") where T : class =>
        part ?? throw new InvalidOperationException($"this world was built without {name}");

    private static Dictionary<string, string?> Apply(Dictionary<string, string?> values, IReadOnlyDictionary<string, string?>? overrides)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                values.Remove(key);
            }
            else
            {
                values[key] = value;
            }
        }

        return values;
    }
}
