using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>The phases of a run, in the order a successful run passes through them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingPhase>))]
public enum TrainingPhase
{
    /// <summary>Accepted; validating, zipping the dataset and renting a GPU.</summary>
    [JsonStringEnumMemberName("pending")] Pending,

    /// <summary>A GPU instance was created; waiting for the agent's <c>gpuReady</c>.</summary>
    [JsonStringEnumMemberName("pendingGpu")] PendingGpu,

    /// <summary>The agent is downloading the dataset.</summary>
    [JsonStringEnumMemberName("pendingImages")] PendingImages,

    /// <summary>The agent is downloading the base model and preparing the trainer.</summary>
    [JsonStringEnumMemberName("pendingModel")] PendingModel,

    /// <summary>sd-scripts is training; ends when the best epoch is uploaded and verified.</summary>
    [JsonStringEnumMemberName("training")] Training,

    /// <summary>
    /// Vast paused the interruptible instance (outbid); waiting, up to <c>runPolicy.deadlines.interrupted</c>, for it to
    /// resume on the same machine, after which the run returns to the phase it was in.
    /// </summary>
    [JsonStringEnumMemberName("interrupted")] Interrupted,

    /// <summary>The LoRA is in S3 and verified. Terminal.</summary>
    [JsonStringEnumMemberName("completed")] Completed,

    /// <summary>A deadline passed or the instance died; retried on another machine while the backoff limit allows.</summary>
    [JsonStringEnumMemberName("stalled")] Stalled,

    /// <summary>An unrecoverable error. Terminal.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}

/// <summary>Facts about phases that do not depend on a particular run.</summary>
public static class TrainingPhases
{
    /// <summary>All phases.</summary>
    public static IReadOnlyList<TrainingPhase> All { get; } = Enum.GetValues<TrainingPhase>();

    /// <summary>The phases in which a GPU instance is (or may be) rented.</summary>
    public static bool HoldsGpu(this TrainingPhase phase) =>
        phase is TrainingPhase.PendingGpu or TrainingPhase.PendingImages or TrainingPhase.PendingModel or TrainingPhase.Training
            or TrainingPhase.Interrupted;

    /// <summary>The phase the run's work is in: its own, or while interrupted the phase it returns to when the instance runs again.</summary>
    public static TrainingPhase WorkPhase(this TrainingRunStatus status) =>
        status is { Phase: TrainingPhase.Interrupted, Interruption: { } interruption } ? interruption.Phase : status.Phase;

    /// <summary>The name as written in <c>status.phase</c>.</summary>
    public static string ToWireName(this TrainingPhase phase) => phase switch
    {
        TrainingPhase.Pending => "pending",
        TrainingPhase.PendingGpu => "pendingGpu",
        TrainingPhase.PendingImages => "pendingImages",
        TrainingPhase.PendingModel => "pendingModel",
        TrainingPhase.Training => "training",
        TrainingPhase.Interrupted => "interrupted",
        TrainingPhase.Completed => "completed",
        TrainingPhase.Stalled => "stalled",
        _ => "failed",
    };

    /// <summary>The phase as a CamelCase condition reason, e.g. <c>PendingGpu</c>.</summary>
    public static string ToReason(this TrainingPhase phase) => phase.ToString();
}
