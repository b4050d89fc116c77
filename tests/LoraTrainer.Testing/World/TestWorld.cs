using System.Security.Cryptography;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The whole system on one machine, every part over real HTTP on 127.0.0.1: the Kubernetes API fake, s3rver (behind
/// a pass-through proxy that can inject failures), the Civitai fake and the Vast simulator; the real receiver host;
/// the real operator program as its own process (so it can be killed); and the real agent, started as a process
/// whenever a simulated instance reaches running.
/// </summary>
internal sealed class TestWorld : IAsyncDisposable
{
    public const string Namespace = "default";
    public const string ImagesBucket = "training-images";
    public const string OutputBucket = "trained-loras";
    public const string ImagesPrefix = "people/anna/";
    public const long ModelVersionId = 128078;

    /// <summary>Who the operator's requests are from in the API server's request log.</summary>
    public const string OperatorUser = "operator";

    private readonly string _folder;

    private TestWorld(string folder, FakeKubeApiServer kube, S3rverServer s3, S3rverProxy s3Proxy, CivitaiFake civitai, VastSimulator vast,
        ReceiverHost receiver, OperatorHost @operator, AgentLauncher agents, Kubectl kubectl, byte[] model)
    {
        _folder = folder;
        Kube = kube;
        S3 = s3;
        S3Proxy = s3Proxy;
        Civitai = civitai;
        Vast = vast;
        Receiver = receiver;
        Operator = @operator;
        Agents = agents;
        Kubectl = kubectl;
        Model = model;
    }

    public FakeKubeApiServer Kube { get; }
    public S3rverServer S3 { get; }
    public S3rverProxy S3Proxy { get; }
    public CivitaiFake Civitai { get; }
    public VastSimulator Vast { get; }
    public ReceiverHost Receiver { get; }
    public OperatorHost Operator { get; }
    public AgentLauncher Agents { get; }
    public Kubectl Kubectl { get; }

    /// <summary>The base model's bytes, as Civitai serves them.</summary>
    public byte[] Model { get; }

    /// <summary>Starts every part; <paramref name="offers"/> go on the Vast market before the operator starts.</summary>
    public static Task<TestWorld> StartAsync(params SimulatedOffer[] offers) => StartAsync(offers, CancellationToken.None);

    /// <summary>Starts every part; <paramref name="offers"/> go on the Vast market before the operator starts. A part that fails stops those already started.</summary>
    /// <param name="civitaiBytesPerSecond">The rate the Civitai fake serves model files at; null serves them at once.</param>
    public static async Task<TestWorld> StartAsync(IReadOnlyList<SimulatedOffer> offers, CancellationToken cancellationToken, long? civitaiBytesPerSecond = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"loratrainer-e2e-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var started = new Stack<IAsyncDisposable>();
        T Started<T>(T part) where T : IAsyncDisposable
        {
            started.Push(part);
            return part;
        }

        try
        {
            // The operator has its own token, so the API server's request log tells its requests from kubectl's and the receiver's.
            var operatorToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var kube = Started(await FakeKubeApiServer.StartAsync(
                new FakeKubeApiServerOptions { Users = new Dictionary<string, string> { [operatorToken] = OperatorUser } }, cancellationToken));
            kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
            kube.Seed(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = Namespace } });

            var s3 = Started(await S3rverServer.StartAsync(cancellationToken));
            var s3Proxy = Started(await S3rverProxy.StartAsync(s3, cancellationToken));
            await s3.EnsureBucketAsync(ImagesBucket, cancellationToken);
            await s3.EnsureBucketAsync(OutputBucket, cancellationToken);
            await s3.PutObjectAsync(ImagesBucket, ImagesPrefix + "portrait-1.jpg", Image.Jpeg(seed: 1), cancellationToken);
            await s3.PutObjectAsync(ImagesBucket, ImagesPrefix + "portrait-1.txt", "ohwx woman, smiling"u8.ToArray(), cancellationToken);
            await s3.PutObjectAsync(ImagesBucket, ImagesPrefix + "portrait-2.png", Image.Png(seed: 2), cancellationToken);

            var model = RandomNumberGenerator.GetBytes(64 * 1024);
            var civitai = Started(await CivitaiFake.StartAsync(cancellationToken: cancellationToken));
            civitai.BytesPerSecond = civitaiBytesPerSecond;
            civitai.Add(FakeCivitaiVersion.Checkpoint(ModelVersionId, "SDXL 1.0", $"urn:air:sdxl:checkpoint:civitai:101055@{ModelVersionId}", "sd_xl_base_1.0.safetensors", model));

            var vast = Started(await VastSimulator.StartAsync(new VastSimulatorOptions { Lifecycle = VastLifecycle.Immediate }, cancellationToken));
            vast.AddOffers(offers);
            var agents = Started(new AgentLauncher(vast, Path.Combine(folder, "gpu-hosts")));
            vast.OnRunning = agents.RunAsync;

            var receiver = Started(new ReceiverHost(kube));
            await receiver.StartAsync();
            var operatorKubeconfig = Path.Combine(folder, "operator.kubeconfig");
            await File.WriteAllTextAsync(operatorKubeconfig, Kubeconfig.For(kube.BaseAddress, Namespace, operatorToken), cancellationToken);
            var @operator = Started(new OperatorHost(OperatorEnvironment(
                OperatorSettings.ForFakes(receiver.BaseUrl, vast, s3Proxy.BaseUrl, civitai, clusterName: "e2e"), operatorKubeconfig)));
            await @operator.StartAsync(cancellationToken);

            var kubeconfig = await kube.WriteKubeconfigAsync(Path.Combine(folder, "kubeconfig"), Namespace, cancellationToken);
            var kubectl = new Kubectl(kubeconfig, Path.Combine(folder, "kube-cache"));
            return new TestWorld(folder, kube, s3, s3Proxy, civitai, vast, receiver, @operator, agents, kubectl, model);
        }
        catch
        {
            while (started.TryPop(out var part))
            {
                await part.DisposeAsync();
            }

            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// The operator's settings as a Deployment passes them (<c>Operator__ClusterName</c>…) and its kubeconfig. It logs
    /// its own story (phase changes, rents, releases) and only warnings of its libraries, which is what a failing
    /// test shows of it.
    /// </summary>
    private static Dictionary<string, string?> OperatorEnvironment(Dictionary<string, string?> settings, string kubeconfig)
    {
        var environment = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value, StringComparer.Ordinal);
        environment["KUBECONFIG"] = kubeconfig;
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["Logging__LogLevel__LoraTrainer"] = "Information";
        environment["Logging__LogLevel__Microsoft.Extensions.Diagnostics.HealthChecks"] = "None";
        return environment;
    }

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

    public async ValueTask DisposeAsync()
    {
        await Operator.DisposeAsync();
        await Receiver.DisposeAsync();
        await Vast.DisposeAsync();
        await Agents.DisposeAsync();
        await Civitai.DisposeAsync();
        await S3Proxy.DisposeAsync();
        await S3.DisposeAsync();
        await Kube.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
