using System.ComponentModel.DataAnnotations;

namespace LoraTrainer.Api;

/// <summary>Deadlines, retries and cost limits, named as in Kubeflow's <c>runPolicy</c>.</summary>
public sealed record RunPolicySpec
{
    /// <summary>How long each waiting phase may take before the run stalls.</summary>
    public DeadlinesSpec? Deadlines { get; init; }

    /// <summary>Wall-clock limit for the whole run in seconds, retries included; past it the run fails.</summary>
    [Range(60, 2_592_000)]
    public long? ActiveDeadlineSeconds { get; init; }

    /// <summary>Spending limit in USD; the run fails and its GPU is released when the estimate reaches it.</summary>
    [Range(0.01, 100_000)]
    public double? MaxCostUsd { get; init; }

    /// <summary>How many times a stalled run is retried on another machine. Defaults to 2.</summary>
    [Range(0, 10)]
    public int BackoffLimit { get; set; } = 2;

    /// <summary>Delete the run this many seconds after it finished. Unset keeps it.</summary>
    [Range(0, 31_536_000)]
    public long? TtlSecondsAfterFinished { get; init; }

    /// <summary>Hold the run in pending without renting anything. Defaults to false.</summary>
    public bool Suspend { get; init; }

    /// <summary>
    /// Upload sd-scripts' training state every this many epochs, so that a retried attempt continues from it instead
    /// of from epoch 1; 0 saves none. Defaults to 1 (every epoch). The state is deleted once the run is completed.
    /// </summary>
    [Range(0, 1000)]
    public int? SaveStateEveryNEpochs { get; init; }
}

/// <summary>Per-phase deadlines as durations such as <c>20m</c> or <c>1h30m</c>.</summary>
public sealed record DeadlinesSpec
{
    /// <summary>From instance creation to the agent's <c>gpuReady</c>. Defaults to 20m.</summary>
    [RegularExpression(Duration.Pattern)]
    public string PendingGpu { get; set; } = "20m";

    /// <summary>From <c>gpuReady</c> to <c>imagesDownloaded</c>. Defaults to 15m.</summary>
    [RegularExpression(Duration.Pattern)]
    public string PendingImages { get; set; } = "15m";

    /// <summary>From <c>imagesDownloaded</c> to <c>ready</c>. Defaults to 30m.</summary>
    [RegularExpression(Duration.Pattern)]
    public string PendingModel { get; set; } = "30m";

    /// <summary>Longest silence from the agent while training. Defaults to 10m.</summary>
    [RegularExpression(Duration.Pattern)]
    public string Heartbeat { get; set; } = "10m";

    /// <summary>
    /// How long an interruptible instance Vast paused (outbid) may stay paused before it is destroyed and the run
    /// retried on another machine. Its storage bills while it waits. Defaults to 10m.
    /// </summary>
    [RegularExpression(Duration.Pattern)]
    public string Interrupted { get; set; } = "10m";
}
