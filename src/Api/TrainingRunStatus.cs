namespace LoraTrainer.Api;

/// <summary>What the operator observed; written only by the operator and the receiver.</summary>
public sealed record TrainingRunStatus
{
    /// <summary>The spec generation this status reflects.</summary>
    public long? ObservedGeneration { get; init; }

    /// <summary>Where the run is in its lifecycle.</summary>
    public TrainingPhase Phase { get; set; } = TrainingPhase.Pending;

    /// <summary>When the run entered its current phase; phase deadlines count from here.</summary>
    public DateTimeOffset? PhaseStartTime { get; init; }

    /// <summary>Whether the run is held in pending by <c>runPolicy.suspend</c>.</summary>
    public bool Suspended { get; init; }

    /// <summary>Which attempt is running, starting at 1; a stall with retries left, or a resume, starts the next.</summary>
    public int Attempt { get; init; }

    /// <summary>How many attempts stalled. The run is retried while this is at most <c>runPolicy.backoffLimit</c>; a suspend does not count.</summary>
    public int Stalls { get; init; }

    /// <summary>Standard conditions: Ready, Reconciling, Stalled, Succeeded, Failed.</summary>
    public IReadOnlyList<Condition> Conditions { get; set; } = [];

    /// <summary>The dataset zip handed to the GPU.</summary>
    public DatasetStatus? Dataset { get; init; }

    /// <summary>The resolved base model.</summary>
    public ModelStatus? Model { get; init; }

    /// <summary>The rented GPU instance of the current attempt.</summary>
    public GpuStatus? Gpu { get; init; }

    /// <summary>Machines that failed earlier attempts; never rented again for this run.</summary>
    public IReadOnlyList<string> ExcludedMachines { get; set; } = [];

    /// <summary>The latest pause of this attempt's interruptible instance: when Vast paused it, and when it resumed.</summary>
    public InterruptionStatus? Interruption { get; init; }

    /// <summary>Training progress.</summary>
    public ProgressStatus? Progress { get; init; }

    /// <summary>Mean loss of each finished epoch, and the keys of its sample images; epoch 0 holds the baseline samples of <c>spec.samples.atFirst</c>.</summary>
    public IReadOnlyList<EpochLoss> Epochs { get; set; } = [];

    /// <summary>Money spent so far.</summary>
    public CostStatus? Cost { get; init; }

    /// <summary>The uploaded LoRA.</summary>
    public OutputStatus? Output { get; init; }

    /// <summary>What a dry run would rent.</summary>
    public PlanStatus? Plan { get; init; }

    /// <summary>The newest training state saved in S3, which a retried attempt continues from.</summary>
    public ResumeStatus? Resume { get; init; }

    /// <summary>Last time the agent was heard from.</summary>
    public DateTimeOffset? LastHeartbeatTime { get; init; }

    /// <summary>Highest event sequence number accepted from the agent in this attempt.</summary>
    public long LastEventSeq { get; init; }

    /// <summary>One human-readable sentence about the current state or what to fix.</summary>
    public string? Message { get; init; }

    /// <summary>
    /// Why the run is in its phase, as one CamelCase word, where the phase alone does not say: <c>InvalidSpec</c>,
    /// <c>BudgetExceeded</c>, <c>DeadlineExceeded</c>, <c>VerificationFailed</c> or <c>AgentFailed</c> for a failed run,
    /// <c>FinishedEarly</c> for a run ended by <c>spec.finish</c> (completed, or failed with nothing saved), <c>DryRun</c>
    /// for a planned dry run. Also the reason of the conditions.
    /// </summary>
    public string? Reason { get; init; }

    /// <summary>When the run was accepted.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>When the run reached a terminal phase.</summary>
    public DateTimeOffset? CompletionTime { get; init; }
}

/// <summary>A Kubernetes condition (metav1.Condition).</summary>
public sealed record Condition
{
    /// <summary>The condition type, e.g. <c>Ready</c>.</summary>
    public string Type { get; set; } = "";

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    public string Status { get; set; } = ConditionStatus.Unknown;

    /// <summary>A CamelCase reason.</summary>
    public string Reason { get; set; } = "";

    /// <summary>A human-readable message.</summary>
    public string Message { get; set; } = "";

    /// <summary>When <see cref="Status"/> last changed.</summary>
    public DateTimeOffset LastTransitionTime { get; init; }

    /// <summary>The generation the condition was computed for.</summary>
    public long? ObservedGeneration { get; init; }
}

/// <summary>The dataset zip.</summary>
public sealed record DatasetStatus
{
    /// <summary><c>s3://bucket/key</c> of the zip.</summary>
    public string? Zip { get; init; }
    /// <summary>Images in the zip.</summary>
    public int Images { get; init; }
    /// <summary>Images that came with a caption file.</summary>
    public int Captions { get; init; }
    /// <summary>Captions generated from the trigger word and class tokens.</summary>
    public int GeneratedCaptions { get; init; }
    /// <summary>Files under the prefix that were not images or captions and were skipped.</summary>
    public int Skipped { get; init; }
    /// <summary>Size of the zip in bytes.</summary>
    public long Bytes { get; init; }
    /// <summary>Content hash naming the zip.</summary>
    public string? Sha256 { get; init; }
}

/// <summary>The resolved base model.</summary>
public sealed record ModelStatus
{
    /// <summary>The model family used.</summary>
    public ModelFamily? Family { get; init; }
    /// <summary>The model's name.</summary>
    public string? Name { get; init; }
    /// <summary>The checkpoint file name.</summary>
    public string? FileName { get; init; }
    /// <summary>The checkpoint size in bytes.</summary>
    public long? Bytes { get; init; }
    /// <summary>The checkpoint SHA-256.</summary>
    public string? Sha256 { get; init; }
    /// <summary>Every model file of the attempt and its place in the model cache; empty when the run uses no cache.</summary>
    public IReadOnlyList<ModelFileStatus> Files { get; set; } = [];
}

/// <summary>One model file of the attempt, and whether it came from the model cache.</summary>
public sealed record ModelFileStatus
{
    /// <summary>The file name.</summary>
    public string Name { get; set; } = "";
    /// <summary>The trainer argument that takes it (<c>clip_l</c>, <c>t5xxl</c>, <c>ae</c>); absent for the checkpoint.</summary>
    public string? Argument { get; init; }
    /// <summary>Its SHA-256, which names it in the cache.</summary>
    public string? Sha256 { get; init; }
    /// <summary>Its size in bytes, when known.</summary>
    public long? Bytes { get; init; }
    /// <summary>Whether the GPU reads it from the cache rather than from its source.</summary>
    public bool FromCache { get; init; }
    /// <summary>The cached object, <c>s3://bucket/prefix/sha256/hex</c>.</summary>
    public string? CacheUri { get; init; }
    /// <summary>Where the file stands in the cache: <c>hit</c>, <c>filling</c>, <c>uploaded</c>, <c>cached</c>, <c>failed</c>, <c>rejected</c> or <c>evicted</c>.</summary>
    public string? Cache { get; init; }
    /// <summary>On a hit, the ETag of the cached object handed out, so that evicting it never deletes a newer copy another run wrote meanwhile.</summary>
    public string? CacheETag { get; init; }
    /// <summary>The multipart upload filling the cache, until the operator completes or aborts it.</summary>
    public string? UploadId { get; init; }
    /// <summary>The parts the agent sent, until the operator completes the upload with them.</summary>
    public IReadOnlyList<CachePartStatus>? Parts { get; init; }
    /// <summary>Why filling or reading the cache failed.</summary>
    public string? CacheError { get; init; }
}

/// <summary>A part of a cache upload the store has taken.</summary>
public sealed record CachePartStatus
{
    /// <summary>The part number, from 1.</summary>
    public int PartNumber { get; init; }
    /// <summary>The ETag the store answered.</summary>
    public string ETag { get; set; } = "";
}

/// <summary>The values of <see cref="ModelFileStatus.Cache"/>.</summary>
public static class ModelCacheStates
{
    /// <summary>Read from the cache.</summary>
    public const string Hit = "hit";
    /// <summary>Not in the cache; the agent sends it there once training has started.</summary>
    public const string Filling = "filling";
    /// <summary>The agent sent every part; the operator completes the upload.</summary>
    public const string Uploaded = "uploaded";
    /// <summary>The cache holds it now.</summary>
    public const string Cached = "cached";
    /// <summary>Filling failed; the upload was (or is being) aborted.</summary>
    public const string Failed = "failed";
    /// <summary>The cached bytes did not have the file's SHA-256; the agent fell back to the source and the operator evicts the object.</summary>
    public const string Rejected = "rejected";
    /// <summary>The rejected object was deleted.</summary>
    public const string Evicted = "evicted";

    /// <summary>Whether <paramref name="file"/> is cached under object key <paramref name="key"/> (in the run's cache bucket).</summary>
    public static bool IsAt(ModelFileStatus file, string key) =>
        key.Length > 0 && file.CacheUri is { } uri && uri.StartsWith("s3://", StringComparison.Ordinal) && uri.EndsWith("/" + key, StringComparison.Ordinal)
        && uri.IndexOf('/', 5) == uri.Length - key.Length - 1;
}

/// <summary>The rented GPU instance.</summary>
public sealed record GpuStatus
{
    /// <summary>Always <c>vast</c> today.</summary>
    public string Provider { get; set; } = "vast";
    /// <summary>The Vast instance (contract) id.</summary>
    public string? InstanceId { get; init; }
    /// <summary>The offer (ask) it was created from.</summary>
    public string? OfferId { get; init; }
    /// <summary>The host machine.</summary>
    public string? MachineId { get; init; }
    /// <summary>The GPU model.</summary>
    public string? GpuName { get; init; }
    /// <summary>Number of GPUs.</summary>
    public int? NumGpus { get; init; }
    /// <summary>Total price in USD per hour.</summary>
    public double? PricePerHour { get; init; }
    /// <summary>
    /// What its disk alone costs in USD per hour: all Vast bills while the instance is paused (an interruptible
    /// instance outbid). Unknown for an instance found again by its label; a pause is then priced at <c>pricePerHour</c>.
    /// </summary>
    public double? StoragePricePerHour { get; init; }
    /// <summary>Seconds the instance spent paused in pauses that have ended; the current one is <c>status.interruption</c>.</summary>
    public double? PausedSeconds { get; init; }
    /// <summary>When Vast answered the create, to the millisecond.</summary>
    public DateTimeOffset? AllocatedAt { get; init; }
    /// <summary>When the operator asked Vast to destroy the instance, to the millisecond; written once Vast confirms it gone.</summary>
    public DateTimeOffset? ReleasedAt { get; init; }

    /// <summary>
    /// The JSON names of the instants the cost is priced between. They keep their milliseconds where every other
    /// status timestamp is written in whole seconds, so <c>status.cost</c> agrees with what Vast bills by the second.
    /// </summary>
    public static IReadOnlySet<string> BillingInstants { get; } = new HashSet<string>(StringComparer.Ordinal) { "allocatedAt", "releasedAt" };
}

/// <summary>Training progress as reported by the agent.</summary>
public sealed record ProgressStatus
{
    /// <summary>Percent complete (0–100).</summary>
    public int Percent { get; init; }
    /// <summary>Current epoch.</summary>
    public int? Epoch { get; init; }
    /// <summary>Total epochs.</summary>
    public int? TotalEpochs { get; init; }
    /// <summary>Current step.</summary>
    public long? Step { get; init; }
    /// <summary>Total steps.</summary>
    public long? TotalSteps { get; init; }
    /// <summary>Moving mean loss of the current epoch.</summary>
    public double? Loss { get; init; }
    /// <summary>Estimated seconds remaining.</summary>
    public long? EtaSeconds { get; init; }
    /// <summary>When the agent sent these figures.</summary>
    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>One epoch's mean loss and sample images.</summary>
public sealed record EpochLoss
{
    /// <summary>The epoch number, from 1 (0 for the baseline samples rendered before training).</summary>
    public int Epoch { get; init; }
    /// <summary>The epoch's mean loss; absent for epoch 0, and until the epoch's loss is reported.</summary>
    public double? Loss { get; init; }
    /// <summary>The epoch's mean loss on the held-out validation images, when the run validates (sd-scripts' validation split).</summary>
    public double? ValidationLoss { get; init; }
    /// <summary>The epoch's sample images, one per prompt, in prompt order; absent when the epoch was not sampled.</summary>
    public IReadOnlyList<SampleImageStatus>? Samples { get; init; }
    /// <summary>The size in bytes of the epoch's own file in the output bucket; absent when the epoch's file is not kept there.</summary>
    public long? Bytes { get; init; }
    /// <summary>The lowercase hex SHA-256 of the epoch's own file in the output bucket, as the agent hashed it while uploading; absent when the file is not kept.</summary>
    public string? Sha256 { get; init; }
}

/// <summary>One sample image: its object key in the output bucket, or why it is missing. Keys, never URLs.</summary>
public sealed record SampleImageStatus
{
    /// <summary>The prompt's index in <c>spec.samples.prompts</c>.</summary>
    public int Prompt { get; init; }
    /// <summary>The PNG's key in the output bucket; absent when the image failed.</summary>
    public string? Key { get; init; }
    /// <summary>Why the image is missing, when it failed to render or upload; the run goes on regardless.</summary>
    public string? Error { get; init; }
}

/// <summary>Money spent.</summary>
public sealed record CostStatus
{
    /// <summary>Estimated USD spent on GPU instances so far, all attempts included.</summary>
    public double EstimatedUsd { get; init; }

    /// <summary>USD spent on instances already released (earlier attempts).</summary>
    public double ReleasedUsd { get; init; }
}

/// <summary>The uploaded LoRA.</summary>
public sealed record OutputStatus
{
    /// <summary><c>s3://bucket/key</c> of the LoRA.</summary>
    public string? Uri { get; init; }
    /// <summary>The epoch chosen: the lowest mean loss by <c>metric</c>.</summary>
    public int? Epoch { get; init; }
    /// <summary>Its mean loss by <c>metric</c>.</summary>
    public double? Loss { get; init; }
    /// <summary>The loss that chose the epoch: <c>trainingLoss</c>, or <c>validationLoss</c> when the run validates.</summary>
    public string? Metric { get; init; }
    /// <summary>Who chose the epoch at <c>uri</c>: <c>metric</c> (the lowest loss) or <c>user</c> (<c>spec.output.selectedEpoch</c>).</summary>
    public string? ChosenBy { get; init; }
    /// <summary>Size in bytes.</summary>
    public long? Bytes { get; init; }
    /// <summary>SHA-256 of the file.</summary>
    public string? Sha256 { get; init; }
    /// <summary>When the operator confirmed the object in S3.</summary>
    public DateTimeOffset? VerifiedAt { get; init; }
    /// <summary>True when training was stopped early (<c>spec.finish: now</c>) and this is the best epoch saved by then.</summary>
    public bool? FinishedEarly { get; init; }
}

/// <summary>A pause of an interruptible instance (Vast stops its container when it is outbid, and keeps its disk).</summary>
public sealed record InterruptionStatus
{
    /// <summary>When the run saw the instance paused.</summary>
    public DateTimeOffset? PausedAt { get; init; }
    /// <summary>When it saw it running again; unset while it is paused or once the run gave up on it.</summary>
    public DateTimeOffset? ResumedAt { get; init; }
    /// <summary>The phase the run was in, and returns to when the instance resumes.</summary>
    public TrainingPhase Phase { get; set; } = TrainingPhase.Training;
}

/// <summary>The run's saved training state: the newest complete one, and the upload the agent sends the next one to.</summary>
public sealed record ResumeStatus
{
    /// <summary>The epoch of the newest complete state; a retried attempt continues with the epoch after it.</summary>
    public int? Epoch { get; init; }
    /// <summary>Its object key, in the output bucket.</summary>
    public string? Key { get; init; }
    /// <summary>Its size in bytes.</summary>
    public long? Bytes { get; init; }
    /// <summary>Its SHA-256.</summary>
    public string? Sha256 { get; init; }
    /// <summary>The multipart upload open for the next state; the operator aborts it when the run ends.</summary>
    public StateUploadStatus? Upload { get; init; }
    /// <summary>A state the agent has sent and the operator has yet to complete.</summary>
    public SavedStateStatus? Saved { get; init; }
    /// <summary>Why the latest attempt could not continue from the saved state and started again from epoch 1; null when it continued or none was offered.</summary>
    public string? Problem { get; init; }
}

/// <summary>An open multipart upload for a state.</summary>
public sealed record StateUploadStatus
{
    /// <summary>The key it writes.</summary>
    public string Key { get; set; } = "";
    /// <summary>The store's upload id.</summary>
    public string UploadId { get; set; } = "";
    /// <summary>Bytes per part but the last.</summary>
    public long PartSize { get; init; }
    /// <summary>How many parts are presigned.</summary>
    public int Parts { get; init; }
}

/// <summary>A state the agent reported sent (<c>stateSaved</c>), waiting to be completed.</summary>
public sealed record SavedStateStatus
{
    /// <summary>The epoch it was saved at.</summary>
    public int Epoch { get; init; }
    /// <summary>The key it writes.</summary>
    public string Key { get; set; } = "";
    /// <summary>The upload its parts went to.</summary>
    public string UploadId { get; set; } = "";
    /// <summary>Its size in bytes.</summary>
    public long Bytes { get; init; }
    /// <summary>Its SHA-256.</summary>
    public string Sha256 { get; set; } = "";
    /// <summary>The parts, in order, with the ETags the store answered.</summary>
    public IReadOnlyList<StatePartStatus> Parts { get; set; } = [];
}

/// <summary>One part of a state upload.</summary>
public sealed record StatePartStatus
{
    /// <summary>The part number, from 1.</summary>
    public int PartNumber { get; init; }
    /// <summary>Its ETag.</summary>
    public string ETag { get; set; } = "";
}

/// <summary>The plan of a dry run.</summary>
public sealed record PlanStatus
{
    /// <summary>The offer that would be rented.</summary>
    public string? OfferId { get; init; }
    /// <summary>Its GPU.</summary>
    public string? GpuName { get; init; }
    /// <summary>Its price in USD per hour: the bid, for an interruptible run.</summary>
    public double? PricePerHour { get; init; }
    /// <summary>For an interruptible run, the same offer's on-demand price in USD per hour, to weigh the saving against the risk of pauses.</summary>
    public double? OnDemandPricePerHour { get; init; }
    /// <summary>Estimated training hours.</summary>
    public double? EstimatedHours { get; init; }
    /// <summary>Estimated cost in USD.</summary>
    public double? EstimatedUsd { get; init; }
    /// <summary>How many offers matched.</summary>
    public int MatchingOffers { get; init; }
}

/// <summary>Who chose the epoch a run's canonical output holds (<see cref="OutputStatus.ChosenBy"/>).</summary>
public static class OutputChoosers
{
    /// <summary>The agent, by the lowest loss of the run's metric.</summary>
    public const string Metric = "metric";
    /// <summary>The user, with <c>spec.output.selectedEpoch</c>.</summary>
    public const string User = "user";
}

/// <summary>Condition status values.</summary>
public static class ConditionStatus
{
    /// <summary>True.</summary>
    public const string True = "True";
    /// <summary>False.</summary>
    public const string False = "False";
    /// <summary>Unknown.</summary>
    public const string Unknown = "Unknown";
}

/// <summary>Condition types written on every run.</summary>
public static class ConditionTypes
{
    /// <summary>The LoRA is trained and in S3.</summary>
    public const string Ready = "Ready";
    /// <summary>The operator is working toward the desired state (kstatus InProgress).</summary>
    public const string Reconciling = "Reconciling";
    /// <summary>The run cannot make progress without a change (kstatus Failed).</summary>
    public const string Stalled = "Stalled";
    /// <summary>The run finished successfully.</summary>
    public const string Succeeded = "Succeeded";
    /// <summary>The run finished unsuccessfully.</summary>
    public const string Failed = "Failed";

    /// <summary>All condition types, in the order they are written.</summary>
    public static IReadOnlyList<string> All { get; } = [Ready, Reconciling, Stalled, Succeeded, Failed];
}
