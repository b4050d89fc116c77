using System.Collections.Concurrent;
using LoraTrainer.Benchmarks.Zip;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>What the money benchmark was asked to do.</summary>
internal sealed record MoneyPlan(
    int Runs,
    int HeartbeatRuns,
    TimeSpan Deadline,
    TimeSpan SweepInterval,
    TimeSpan SweepGrace,
    int Images,
    long ImageBytes,
    TimeSpan Training,
    IReadOnlyList<string> Measure);

/// <summary>Everything the measurements recorded; each list is filled by one measurement only.</summary>
internal sealed class MoneyResults(MoneyPlan plan, SyntheticDataset dataset)
{
    public MoneyPlan Plan { get; } = plan;

    public SyntheticDataset Dataset { get; } = dataset;

    /// <summary>The first apply of the dataset, which zips it.</summary>
    public ApplySample? FirstApply { get; set; }

    public List<ApplySample> Applies { get; } = [];

    public List<CompletionSample> Completions { get; } = [];

    public List<DeadlineSample> PendingGpuDeadlines { get; } = [];

    public List<DeadlineSample> HeartbeatDeadlines { get; } = [];

    public List<SweepSample> Sweeps { get; } = [];

    public LiveRunCheck? LiveRun { get; set; }

    /// <summary>Vast calls per stack.</summary>
    public ConcurrentDictionary<string, VastCalls> Calls { get; } = new(StringComparer.Ordinal);

    public TimeSpan Elapsed { get; set; }
}
