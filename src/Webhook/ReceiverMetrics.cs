using System.Diagnostics.Metrics;

namespace LoraTrainer.Webhook;

/// <summary>The receiver's instruments (meter <c>LoraTrainer.Webhook</c>), exported at <c>/metrics</c>.</summary>
internal sealed class ReceiverMetrics : IDisposable
{
    public const string MeterName = "LoraTrainer.Webhook";

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Counter<long> _writes;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _conflicts;
    private readonly Histogram<double> _latency;

    public ReceiverMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _events = _meter.CreateCounter<long>("loratrainer_receiver_events", description: "Events by kind and outcome (accepted, ignored, unauthorized, invalid, too_large, rate_limited, error).");
        _writes = _meter.CreateCounter<long>("loratrainer_receiver_status_writes", description: "TrainingRun status patches written.");
        _coalesced = _meter.CreateCounter<long>("loratrainer_receiver_coalesced_updates", description: "Progress events folded into a later write.");
        _conflicts = _meter.CreateCounter<long>("loratrainer_receiver_write_conflicts", description: "Status writes retried after a 409.");
        _latency = _meter.CreateHistogram<double>("loratrainer_receiver_event_duration", unit: "s", description: "Time to answer an event.");
    }

    public void Event(string kind, string outcome, TimeSpan elapsed)
    {
        _events.Add(1, new("kind", kind), new("outcome", outcome));
        _latency.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void StatusWritten() => _writes.Add(1);

    public void Coalesced() => _coalesced.Add(1);

    public void Conflict() => _conflicts.Add(1);

    public void Dispose() => _meter.Dispose();
}
