using Prometheus;

namespace LoraTrainer.Webhook;

/// <summary>The receiver's metrics, exported in Prometheus format at <c>/metrics</c> from the registry the host is given.</summary>
/// <remarks>The process's default registry in production; a host of its own in tests, so its figures are its own.</remarks>
internal sealed class ReceiverMetrics
{
    private readonly Counter _events;
    private readonly Counter _writes;
    private readonly Counter _coalesced;
    private readonly Counter _conflicts;
    private readonly Counter _kubernetesFailures;
    private readonly Counter _clientLimited;
    private readonly Histogram _latency;

    public ReceiverMetrics(CollectorRegistry registry)
    {
        var metrics = Metrics.WithCustomRegistry(registry);
        _events = metrics.CreateCounter(
            "loratrainer_receiver_events_total", "Events by kind and outcome (accepted, ignored, early, unauthorized, invalid, unsupported_media_type, too_large, rate_limited, error).", "kind", "outcome");
        _writes = metrics.CreateCounter("loratrainer_receiver_status_writes_total", "TrainingRun status patches written.");
        _coalesced = metrics.CreateCounter("loratrainer_receiver_coalesced_updates_total", "Progress events folded into a later write.");
        _conflicts = metrics.CreateCounter("loratrainer_receiver_write_conflicts_total", "Status writes retried after a 409.");
        _kubernetesFailures = metrics.CreateCounter(
            "loratrainer_receiver_kubernetes_failures_total", "Kubernetes API calls that failed, answered 503 to the agent (timeout, network, api).", "reason");
        _clientLimited = metrics.CreateCounter(
            "loratrainer_receiver_client_rate_limited_total", "Requests refused with 429 before their signature was checked, because their client address sent too many.");
        _latency = metrics.CreateHistogram(
            "loratrainer_receiver_event_duration_seconds", "Time to answer an event.", new HistogramConfiguration
            {
                LabelNames = ["outcome"],
                Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16),
            });
    }

    public void Event(string kind, string outcome, TimeSpan elapsed)
    {
        _events.WithLabels(kind, outcome).Inc();
        _latency.WithLabels(outcome).Observe(elapsed.TotalSeconds);
    }

    public void StatusWritten() => _writes.Inc();

    public void Coalesced() => _coalesced.Inc();

    public void Conflict() => _conflicts.Inc();

    public void KubernetesFailed(string reason) => _kubernetesFailures.WithLabels(reason).Inc();

    public void ClientLimited() => _clientLimited.Inc();
}
