using System.Diagnostics.Metrics;
using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>The runtime's instruments (meter <c>LoraTrainer.Operator</c>), exported in Prometheus format at <c>/metrics</c>.</summary>
public sealed class RuntimeMetrics : IDisposable
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "LoraTrainer.Operator";

    private readonly Meter _meter;
    private readonly Counter<long> _reconciles;
    private readonly Histogram<double> _reconcileSeconds;
    private readonly Counter<long> _watchRestarts;
    private readonly Counter<long> _apiRequests;
    private readonly List<Func<(string Controller, int Depth)>> _depths = [];

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public RuntimeMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _reconciles = _meter.CreateCounter<long>("loratrainer_reconciles", description: "Reconciles by controller and result (done, requeue, error).");
        _reconcileSeconds = _meter.CreateHistogram<double>("loratrainer_reconcile_duration", unit: "s", description: "Reconcile duration.");
        _watchRestarts = _meter.CreateCounter<long>("loratrainer_watch_restarts", description: "Watch restarts by resource and reason.");
        _apiRequests = _meter.CreateCounter<long>("loratrainer_kubernetes_requests", description: "Kubernetes API requests by verb and status code.");
        _meter.CreateObservableGauge("loratrainer_workqueue_depth", ObserveDepths, description: "Keys waiting in each controller's queue.");
    }

    /// <summary>Records one reconcile.</summary>
    public void Reconciled(string controller, string result, TimeSpan duration)
    {
        _reconciles.Add(1, new("controller", controller), new("result", result));
        _reconcileSeconds.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("controller", controller));
    }

    /// <summary>Records a watch restart.</summary>
    public void WatchRestarted(string resource, string reason) =>
        _watchRestarts.Add(1, new("resource", resource), new("reason", reason));

    /// <summary>Records one API request.</summary>
    public void ApiRequest(string verb, int statusCode) =>
        _apiRequests.Add(1, new("verb", verb), new("code", statusCode));

    /// <summary>Publishes a controller's queue depth.</summary>
    public void ObserveQueue(string controller, Func<int> depth)
    {
        lock (_depths)
        {
            _depths.Add(() => (controller, depth()));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveDepths()
    {
        lock (_depths)
        {
            return _depths.Select(d => d()).Select(d => new Measurement<int>(d.Depth, new KeyValuePair<string, object?>("controller", d.Controller))).ToList();
        }
    }
}
