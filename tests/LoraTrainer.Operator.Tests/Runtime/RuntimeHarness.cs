using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoraTrainer.Operator.Tests.Runtime;

/// <summary>The Kubernetes API fake with the Widget CRD, and runtime pieces wired to it over real HTTP.</summary>
public sealed class RuntimeHarness : IAsyncDisposable
{
    /// <summary>How long a test waits for the runtime to react to a change.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private RuntimeHarness(FakeKubeApiServer kube)
    {
        Kube = kube;
        Client = kube.CreateClient();
        Widgets = new CustomResourceClient<Widget>(Client);
        Metrics = new RuntimeMetrics();
    }

    public FakeKubeApiServer Kube { get; }

    public k8s.Kubernetes Client { get; }

    public CustomResourceClient<Widget> Widgets { get; }

    public RuntimeMetrics Metrics { get; }

    public static async Task<RuntimeHarness> StartAsync()
    {
        var kube = await FakeKubeApiServer.StartAsync();
        kube.SeedYaml(Widget.Crd);
        return new RuntimeHarness(kube);
    }

    public Informer<Widget> Informer(InformerOptions? options = null) =>
        new(Widgets, options ?? new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(20), MaxBackoff = TimeSpan.FromMilliseconds(200) },
            TimeProvider.System, Metrics, NullLogger<Informer<Widget>>.Instance);

    public Controller<Widget> Controller(IReconciler<Widget> reconciler, Informer<Widget>? informer = null, ControllerOptions? options = null, string name = "widgets") =>
        new(name, informer ?? Informer(), reconciler, options ?? new ControllerOptions { Workers = 4, BaseRetryDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(200) },
            TimeProvider.System, Metrics, NullLogger<Controller<Widget>>.Instance);

    /// <summary>A client whose requests time out after <paramref name="timeout"/>, wired as the operator wires its own.</summary>
    public k8s.Kubernetes ClientWithTimeout(TimeSpan timeout)
    {
        var configuration = Kube.CreateClientConfiguration();
        configuration.HttpClientTimeout = timeout;
        return ApiRequestMetricsHandler.CreateClient(configuration, Metrics, TimeProvider.System);
    }

    /// <summary>Reconciles of <paramref name="controller"/> with <paramref name="result"/> so far (metrics are process-wide: use a unique controller name).</summary>
    public static double ReconcileCount(string controller, string result) =>
        Prometheus.Metrics.CreateCounter("loratrainer_reconciles_total", "Reconciles by controller and result (done, requeue, conflict, error, cancelled).", "controller", "result")
            .WithLabels(controller, result).Value;

    /// <summary>Kubernetes API requests counted with this verb and code so far, by every client in the process: compare before and after.</summary>
    public static double ApiRequestCount(string verb, string code) =>
        Prometheus.Metrics.CreateCounter("loratrainer_kubernetes_requests_total", "Kubernetes API requests by verb and status code (timeout: no answer in time; 0: no answer).", "verb", "code")
            .WithLabels(verb, code).Value;

    public Widget Seed(Widget widget) => Kube.Seed(widget);

    public Widget? Get(string name) => Kube.Get<Widget>("default", name);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Kube.DisposeAsync();
    }
}
