using Prometheus;

namespace LoraTrainer.Webhook;

/// <summary>The receiver's metrics, exported in Prometheus format at <c>/metrics</c>.</summary>
internal sealed class ReceiverMetrics
{
    private static readonly Counter Events = Metrics.CreateCounter(
        "loratrainer_receiver_events_total", "Events by kind and outcome (accepted, ignored, early, unauthorized, invalid, too_large, rate_limited, error).", "kind", "outcome");

    private static readonly Counter Writes = Metrics.CreateCounter("loratrainer_receiver_status_writes_total", "TrainingRun status patches written.");

    private static readonly Counter CoalescedUpdates = Metrics.CreateCounter("loratrainer_receiver_coalesced_updates_total", "Progress events folded into a later write.");

    private static readonly Counter Conflicts = Metrics.CreateCounter("loratrainer_receiver_write_conflicts_total", "Status writes retried after a 409.");

    private static readonly Histogram Latency = Metrics.CreateHistogram(
        "loratrainer_receiver_event_duration_seconds", "Time to answer an event.", new HistogramConfiguration
        {
            LabelNames = ["outcome"],
            Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16),
        });

    public void Event(string kind, string outcome, TimeSpan elapsed)
    {
        Events.WithLabels(kind, outcome).Inc();
        Latency.WithLabels(outcome).Observe(elapsed.TotalSeconds);
    }

    public void StatusWritten() => Writes.Inc();

    public void Coalesced() => CoalescedUpdates.Inc();

    public void Conflict() => Conflicts.Inc();
}
