using System.Security.Cryptography;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Demo.Stack;

/// <summary>
/// The whole system on one machine, every part over real HTTP on 127.0.0.1: the Kubernetes API fake, s3rver (behind
/// a pass-through proxy that can inject failures), the Civitai fake and the Vast simulator; the real receiver and
/// operator hosts; and the real agent, started as a process whenever a simulated instance reaches running.
/// </summary>
internal sealed class EndToEndStack : IAsyncDisposable
{
    public const string Namespace = "default";
    public const string ImagesBucket = "training-images";
    public const string OutputBucket = "trained-loras";
    public const string ImagesPrefix = "people/anna/";
    public const long ModelVersionId = 128078;

    private readonly string _folder;

    private EndToEndStack(string folder, FakeKubeApiServer kube, S3rverServer s3, S3rverProxy s3Proxy, CivitaiFake civitai, VastSimulator vast,
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
    public static async Task<EndToEndStack> StartAsync(params SimulatedOffer[] offers)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"loratrainer-e2e-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);

        var kube = await FakeKubeApiServer.StartAsync();
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        kube.Seed(new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = Namespace } });

        var s3 = await S3rverServer.StartAsync();
        var s3Proxy = await S3rverProxy.StartAsync(s3);
        await s3.EnsureBucketAsync(ImagesBucket);
        await s3.EnsureBucketAsync(OutputBucket);
        await s3.PutObjectAsync(ImagesBucket, ImagesPrefix + "portrait-1.jpg", Image.Jpeg(seed: 1));
        await s3.PutObjectAsync(ImagesBucket, ImagesPrefix + "portrait-1.txt", "ohwx woman, smiling"u8.ToArray());
        await s3.PutObjectAsync(ImagesBucket, ImagesPrefix + "portrait-2.png", Image.Png(seed: 2));

        var model = RandomNumberGenerator.GetBytes(64 * 1024);
        var civitai = await CivitaiFake.StartAsync();
        civitai.Add(FakeCivitaiVersion.Checkpoint(ModelVersionId, "SDXL 1.0", $"urn:air:sdxl:checkpoint:civitai:101055@{ModelVersionId}", "sd_xl_base_1.0.safetensors", model));

        var vast = await VastSimulator.StartAsync(new VastSimulatorOptions { Lifecycle = VastLifecycle.Immediate });
        vast.AddOffers(offers);
        var agents = new AgentLauncher(vast, Path.Combine(folder, "gpu-hosts"));
        vast.OnRunning = agents.RunAsync;

        var receiver = new ReceiverHost(kube);
        await receiver.StartAsync();
        var @operator = new OperatorHost(kube, OperatorSettings.ForFakes(receiver.BaseUrl, vast, s3Proxy.BaseUrl, civitai, clusterName: "e2e"));
        await @operator.StartAsync();

        var kubeconfig = await kube.WriteKubeconfigAsync(Path.Combine(folder, "kubeconfig"), Namespace);
        var kubectl = new Kubectl(kubeconfig, Path.Combine(folder, "kube-cache"));
        return new EndToEndStack(folder, kube, s3, s3Proxy, civitai, vast, receiver, @operator, agents, kubectl, model);
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
