using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Protocol;
using LoraTrainer.Operator.Tests.Datasets;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>
/// The real operator (every service, leader election off) against the Kubernetes API fake, the Vast simulator, s3rver
/// and the Civitai fake, all over real HTTP. <see cref="RestartAsync"/> simulates a crash: a new process with no memory.
/// </summary>
public sealed class OperatorHarness : IAsyncDisposable
{
    public const string Namespace = "ml-team";
    public const string ImagesBucket = TestWorld.ImagesBucket;
    public const string OutputBucket = TestWorld.OutputBucket;

    private readonly TestWorld _world;
    private int _barriers;

    private OperatorHarness(TestWorld world)
    {
        _world = world;
        Runs = new CustomResourceClient<TrainingRun>(world.Kube.CreateClient());
    }

    public FakeKubeApiServer Kube => _world.Kube;
    public VastSimulator Vast => _world.Vast;
    public S3rverServer S3 => _world.S3;
    public CivitaiFake Civitai => _world.Civitai;
    public CustomResourceClient<TrainingRun> Runs { get; }

    /// <summary>The proxy in front of s3rver, when the harness was started with one.</summary>
    public S3rverProxy S3Proxy => _world.S3Proxy;

    /// <summary>The operator's clock: the system's, or a FakeTimeProvider the test advances to make time pass.</summary>
    public TimeProvider Time => _world.InProcessOperator.Time;

    /// <summary>The running operator's services.</summary>
    public IServiceProvider Services => _world.InProcessOperator.Services;

    /// <summary>
    /// Starts every fake and the operator; the operator reaches s3rver through a proxy when <paramref name="s3Proxy"/>, and
    /// runs on <paramref name="time"/> when given (the fakes keep the system clock). The receiver is not running in these
    /// tests: the simulated agent writes status the way it would.
    /// </summary>
    public static async Task<OperatorHarness> StartAsync(S3rverServer s3, Action<Dictionary<string, string?>>? configure = null, bool s3Proxy = false,
        TimeProvider? time = null) =>
        new(await TestWorld.Create().InNamespace(Namespace).WithVast().WithS3(s3, s3Proxy).WithCivitai().WithOperator(configure, time)
            .StartAsync(TestContext.Current.CancellationToken));

    public Task StartOperatorAsync() => _world.InProcessOperator.StartAsync();

    public Task StopOperatorAsync() => _world.InProcessOperator.StopAsync();

    /// <summary>A crash and restart: the new operator knows only what is in Kubernetes and at Vast.</summary>
    public Task RestartAsync() => _world.InProcessOperator.RestartAsync();

    /// <summary>Seeds two images (one captioned) under <c>people/{name}/</c> and an offer, and applies an SD 1.5 run.</summary>
    public async Task<TrainingRun> ApplyRunAsync(string name, Func<TrainingRunSpec, TrainingRunSpec>? change = null)
    {
        await S3.PutObjectAsync(ImagesBucket, $"people/{name}/a.jpg", TestImages.Jpeg(seed: 1));
        await S3.PutObjectAsync(ImagesBucket, $"people/{name}/b.png", TestImages.Png(seed: 2));
        await S3.PutObjectAsync(ImagesBucket, $"people/{name}/a.txt", Encoding.UTF8.GetBytes("ohwx woman, smiling"));
        var run = new TrainingRunBuilder().Named(name, Namespace).WithSpec(s => s with
        {
            BaseModel = new BaseModelSpec { Url = new UrlModelSource { Url = "https://models.example.com/sd15.safetensors", Sha256 = new string('a', 64) }, Family = ModelFamily.Sd15 },
            Dataset = s.Dataset with { S3 = new S3Location { Bucket = ImagesBucket, Prefix = $"people/{name}/" } },
            Output = new OutputSpec { S3 = new S3Location { Bucket = OutputBucket, Prefix = "loras/" } },
            Training = new TrainingSpec { MaxTrainEpochs = 3, BatchSize = 1 },
            Gpu = new GpuSpec { MaxPricePerHour = 5 },
        }).Build();
        if (change is not null)
        {
            run.Spec = change(run.Spec);
        }

        run.Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace };
        using var client = Kube.CreateClient();
        return await TrainingRunRequests.CreateAsync(client, run, CancellationToken.None);
    }

    /// <summary>Stores a Secret <paramref name="name"/> in the runs' namespace holding <paramref name="value"/> under <paramref name="key"/>.</summary>
    public void SeedSecret(string name, string key, string value) => Kube.Seed(new V1Secret
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
        Data = new Dictionary<string, byte[]> { [key] = Encoding.UTF8.GetBytes(value) },
    });

    public static SimulatedOffer Offer(long id, long machine, double price = 0.35, VastLifecycle? lifecycle = null) =>
        new() { Id = id, MachineId = machine, DphBase = price, Lifecycle = lifecycle ?? VastLifecycle.Immediate };

    public TrainingRun? Run(string name) => Kube.Get<TrainingRun>(Namespace, name);

    public Task<TrainingRun> WaitForAsync(string name, Func<TrainingRun, bool> predicate, int seconds = 20) =>
        Kube.WaitForAsync<TrainingRun>(Namespace, name, predicate, TimeSpan.FromSeconds(seconds), TestContext.Current.CancellationToken);

    public Task<TrainingRun> WaitForPhaseAsync(string name, TrainingPhase phase, int seconds = 20) =>
        WaitForAsync(name, r => r.Status?.Phase == phase, seconds);

    /// <summary>
    /// Waits until the operator has finished every reconcile queued so far, and scheduled its next looks: applies a run
    /// that fails at once (its S3 credentials name a Secret that does not exist) and waits for that failure, twice, since
    /// a key added again while it was being reconciled queues behind the first such run. This holds only with one worker
    /// (<c>Operator:Workers</c> = 1), whose queue hands out keys first in, first out; with a FakeTimeProvider, advance it
    /// first so the requeues it made due are in the queue.
    /// </summary>
    public async Task CaughtUpAsync()
    {
        for (var round = 0; round < 2; round++)
        {
            var barrier = $"caught-up-{Interlocked.Increment(ref _barriers)}";
            await ApplyRunAsync(barrier, s => s with { Credentials = new CredentialsSpec { S3 = new SecretReference { Name = "no-such-secret" } } });
            await WaitForPhaseAsync(barrier, TrainingPhase.Failed);
        }
    }

    /// <summary>Changes the run's spec with a JSON merge patch, as <c>kubectl patch --type merge</c> does.</summary>
    public async Task PatchSpecAsync(string name, string mergePatch)
    {
        using var client = Kube.CreateClient();
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(mergePatch, V1Patch.PatchType.MergePatch),
            TrainingRun.Group, TrainingRun.Version, Namespace, TrainingRun.Plural, name, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>The Events recorded on the run so far.</summary>
    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string name)
    {
        using var client = Kube.CreateClient();
        var events = await client.CoreV1.ListNamespacedEventAsync(Namespace, cancellationToken: TestContext.Current.CancellationToken);
        return [.. events.Items.Where(e => e.InvolvedObject.Name == name)];
    }

    /// <summary>The agent config the operator stored in the run's Secret, which the run owns.</summary>
    public async Task<AgentConfig> AgentConfigAsync(string name)
    {
        using var client = Kube.CreateClient();
        var secret = await client.CoreV1.ReadNamespacedSecretAsync(RunSecret.NameFor(name), Namespace, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(name, secret.Metadata.OwnerReferences.Single().Name);
        return JsonSerializer.Deserialize<AgentConfig>(secret.Data[RunSecret.ConfigKey], ProtocolJson.Options)!;
    }

    /// <summary>When the operator last wrote the run's config (and so issued its URLs).</summary>
    public async Task<DateTimeOffset> ConfigIssuedAtAsync(string name)
    {
        using var client = Kube.CreateClient();
        var secret = await client.CoreV1.ReadNamespacedSecretAsync(RunSecret.NameFor(name), Namespace, cancellationToken: TestContext.Current.CancellationToken);
        return DateTimeOffset.Parse(secret.Metadata.Annotations["loratrainer.io/config-issued-at"], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until the operator writes the run's config after <paramref name="after"/>; returns when it did.</summary>
    public Task<DateTimeOffset> WaitForConfigIssuedAfterAsync(string name, DateTimeOffset after, int seconds = 15) =>
        Eventually.UntilAsync(_ => ConfigIssuedAtAsync(name), issued => issued > after, TimeSpan.FromSeconds(seconds),
            $"the config of {name} to be issued again after {after:O}", issued => $"issued at {issued:O}", cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>Applies an agent event the way the receiver does: through the phase machine, guarded by the resourceVersion.</summary>
    public Task<bool> AgentSendsAsync(string name, Func<int, PhaseInput> input) =>
        PatchStatusAsync(name, run => PhaseMachine.Apply(run, input(run.Status!.Attempt), Time.GetUtcNow()) is { Accepted: true } result ? result.Status : null);

    /// <summary>Writes the status <paramref name="change"/> makes of the run (none when it returns null), retrying on conflicts with the operator.</summary>
    private async Task<bool> PatchStatusAsync(string name, Func<TrainingRun, TrainingRunStatus?> change)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var run = (await Runs.GetAsync(new ResourceKey(Namespace, name), CancellationToken.None))!;
            if (change(run) is not { } status)
            {
                return false;
            }

            try
            {
                await Runs.PatchStatusAsync(ResourceKey.Of(run), StatusPatch.For(run.Status, status, run.Metadata.ResourceVersion)!, CancellationToken.None);
                return true;
            }
            catch (ResourceConflictException)
            {
            }
        }

        throw new InvalidOperationException($"the status write to {name} kept conflicting with the operator");
    }

    public ValueTask DisposeAsync() => _world.DisposeAsync();
}
