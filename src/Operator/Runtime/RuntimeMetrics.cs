using System.Collections.Concurrent;
using Prometheus;

namespace LoraTrainer.Operator.Runtime;

/// <summary>The runtime's metrics, exported in Prometheus format at <c>/metrics</c>.</summary>
/// <remarks>prometheus-net's registry is process-wide, so every instance records into the same series.</remarks>
public sealed class RuntimeMetrics
{
    private static readonly Counter Reconciles = Metrics.CreateCounter(
        "loratrainer_reconciles_total", "Reconciles by controller and result (done, requeue, conflict, error, cancelled).", "controller", "result");

    private static readonly Histogram ReconcileSeconds = Metrics.CreateHistogram(
        "loratrainer_reconcile_duration_seconds", "Reconcile duration.", new HistogramConfiguration
        {
            LabelNames = ["controller"],
            Buckets = Histogram.ExponentialBuckets(0.001, 2, 16),
        });

    private static readonly Counter WatchRestarts = Metrics.CreateCounter(
        "loratrainer_watch_restarts_total", "Watch restarts by resource and reason.", "resource", "reason");

    private static readonly Counter ApiRequests = Metrics.CreateCounter(
        "loratrainer_kubernetes_requests_total", "Kubernetes API requests by verb and status code (timeout: no answer in time; 0: no answer).", "verb", "code");

    private static readonly Gauge QueueDepth = Metrics.CreateGauge(
        "loratrainer_workqueue_depth", "Keys waiting in each controller's queue.", "controller");

    /// <summary>The running controllers' queues, read at every scrape by one callback registered once per process.</summary>
    private static readonly ConcurrentDictionary<string, Func<int>> Queues = RegisterQueueCallback();

    /// <summary>Records one reconcile.</summary>
    public void Reconciled(string controller, string result, TimeSpan duration)
    {
        Reconciles.WithLabels(controller, result).Inc();
        ReconcileSeconds.WithLabels(controller).Observe(duration.TotalSeconds);
    }

    /// <summary>Records a watch restart.</summary>
    public void WatchRestarted(string resource, string reason) => WatchRestarts.WithLabels(resource, reason).Inc();

    /// <summary>Records one API request: its status code, <c>timeout</c>, or <c>0</c> for no answer.</summary>
    public void ApiRequest(string verb, string code) => ApiRequests.WithLabels(verb, code).Inc();

    /// <summary>Publishes a controller's queue depth, read at every scrape, until the returned handle is disposed.</summary>
    /// <remarks>A controller that runs again (a regained leadership, another host in the process) replaces the earlier queue.</remarks>
    public IDisposable ObserveQueue(string controller, Func<int> depth)
    {
        Queues[controller] = depth;
        return new QueueObservation(controller, depth);
    }

    private static ConcurrentDictionary<string, Func<int>> RegisterQueueCallback()
    {
        var queues = new ConcurrentDictionary<string, Func<int>>(StringComparer.Ordinal);
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            foreach (var (controller, depth) in queues)
            {
                QueueDepth.WithLabels(controller).Set(depth());
            }
        });
        return queues;
    }

    private sealed class QueueObservation(string controller, Func<int> depth) : IDisposable
    {
        /// <summary>Stops publishing this queue, unless a newer run of the controller replaced it; the gauge then reads 0.</summary>
        public void Dispose()
        {
            if (Queues.TryRemove(new KeyValuePair<string, Func<int>>(controller, depth)))
            {
                QueueDepth.WithLabels(controller).Set(0);
            }
        }
    }
}
