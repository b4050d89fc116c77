using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Vast;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace LoraTrainer.Testing.World;

/// <summary>
/// Says which parts a <see cref="TestWorld"/> starts and how they differ from the defaults. The Kubernetes API fake,
/// with the CRD and the namespace, is always there; everything else is asked for.
/// </summary>
internal sealed class TestWorldBuilder
{
    internal string Namespace { get; private set; } = TestWorld.DefaultNamespace;
    internal int RequestLogCapacity { get; private set; } = new Kubernetes.FakeKubeApiServerOptions().RequestLogCapacity;
    internal List<string> Users { get; } = [TestWorld.OperatorUser];
    internal VastSimulatorOptions? Vast { get; private set; }
    internal List<SimulatedOffer> Offers { get; } = [];
    internal bool S3 { get; private set; }
    internal S3rverServer? SharedS3 { get; private set; }
    internal bool S3Proxy { get; private set; }
    internal bool Civitai { get; private set; }
    internal CivitaiFake? SharedCivitai { get; private set; }
    internal long? CivitaiBytesPerSecond { get; private set; }
    internal bool TrainingData { get; private set; }
    internal Action<WebApplicationBuilder>? Receiver { get; private set; }
    internal bool OperatorProcess { get; private set; }
    internal InProcessOperatorOptions? InProcessOperator { get; private set; }
    internal bool Agents { get; private set; }

    /// <summary>The namespace the fake holds and the operator's runs live in. Defaults to <see cref="TestWorld.DefaultNamespace"/>.</summary>
    public TestWorldBuilder InNamespace(string name)
    {
        Namespace = name;
        return this;
    }

    /// <summary>How many requests the Kubernetes fake's request log keeps (a benchmark counts them all).</summary>
    public TestWorldBuilder KeepingRequests(int capacity)
    {
        RequestLogCapacity = capacity;
        return this;
    }

    /// <summary>Kubernetes users besides the operator, each with its own token and kubeconfig, so the request log tells their requests apart.</summary>
    public TestWorldBuilder WithUsers(params string[] users)
    {
        Users.AddRange(users.Except(Users));
        return this;
    }

    /// <summary>The Vast simulator (instances run as soon as their image is pulled unless <paramref name="options"/> say otherwise) with <paramref name="offers"/> on its market.</summary>
    public TestWorldBuilder WithVast(VastSimulatorOptions? options = null, params IEnumerable<SimulatedOffer> offers)
    {
        Vast = options ?? new VastSimulatorOptions { Lifecycle = VastLifecycle.Immediate };
        Offers.AddRange(offers);
        return this;
    }

    /// <summary>s3rver with the images and output buckets: <paramref name="shared"/> when given (left running at the end), else its own; behind an <see cref="S3rverProxy"/> when <paramref name="proxy"/>.</summary>
    public TestWorldBuilder WithS3(S3rverServer? shared = null, bool proxy = false)
    {
        S3 = true;
        SharedS3 = shared;
        S3Proxy = proxy;
        return this;
    }

    /// <summary>
    /// The Civitai fake: <paramref name="shared"/> when given (left running at the end), else its own, serving model
    /// files at <paramref name="bytesPerSecond"/> (null: at once).
    /// </summary>
    public TestWorldBuilder WithCivitai(CivitaiFake? shared = null, long? bytesPerSecond = null)
    {
        Civitai = true;
        SharedCivitai = shared;
        CivitaiBytesPerSecond = bytesPerSecond;
        return this;
    }

    /// <summary>Two images (one captioned) under <see cref="TestWorld.ImagesPrefix"/> and an SDXL checkpoint at Civitai; needs S3 and Civitai.</summary>
    public TestWorldBuilder WithTrainingData()
    {
        TrainingData = true;
        return this;
    }

    /// <summary>The real receiver in this process; <paramref name="configure"/> adds settings and services (<see cref="Webhook.ReceiverApplication"/>).</summary>
    public TestWorldBuilder WithReceiver(Action<WebApplicationBuilder>? configure = null)
    {
        Receiver = configure ?? (_ => { });
        return this;
    }

    /// <summary>The real operator program as its own process, as a Deployment runs it.</summary>
    public TestWorldBuilder WithOperatorProcess()
    {
        OperatorProcess = true;
        return this;
    }

    /// <summary>
    /// The real operator's services in this process (every service of <c>AddOperator</c>, leader election off):
    /// <paramref name="settings"/> change its settings, it runs on <paramref name="time"/> when given, and
    /// <paramref name="host"/> changes its host (logging).
    /// </summary>
    public TestWorldBuilder WithOperator(Action<Dictionary<string, string?>>? settings = null, TimeProvider? time = null, Action<HostApplicationBuilder>? host = null)
    {
        InProcessOperator = new InProcessOperatorOptions(settings, time ?? TimeProvider.System, host);
        return this;
    }

    /// <summary>The real agent, started as a process whenever a simulated instance reaches running; needs Vast.</summary>
    public TestWorldBuilder WithAgents()
    {
        Agents = true;
        return this;
    }

    /// <summary>Starts every part asked for; a part that fails stops those already started.</summary>
    public Task<TestWorld> StartAsync(CancellationToken cancellationToken = default) => TestWorld.StartAsync(this, cancellationToken);
}

/// <summary>How the in-process operator differs from the defaults.</summary>
internal sealed record InProcessOperatorOptions(Action<Dictionary<string, string?>>? Settings, TimeProvider Time, Action<HostApplicationBuilder>? Host);
