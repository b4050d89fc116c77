namespace LoraTrainer.Api;

/// <summary>Something that happened to a run: an agent event or an operator observation.</summary>
public abstract record PhaseInput;

/// <summary>An event reported by the GPU agent; ignored unless its attempt is current and its seq is new.</summary>
public abstract record AgentInput(long Seq, int Attempt) : PhaseInput;

/// <summary>The agent is up and sees its GPU.</summary>
public sealed record GpuReadyInput(long Seq, int Attempt, string? GpuName, long? MemoryMb) : AgentInput(Seq, Attempt);

/// <summary>The dataset is downloaded and unpacked.</summary>
public sealed record ImagesDownloadedInput(long Seq, int Attempt, int Images, int Captions, long Bytes) : AgentInput(Seq, Attempt);

/// <summary>The base model is downloaded and verified.</summary>
public sealed record ModelDownloadedInput(long Seq, int Attempt, long Bytes, string? Sha256) : AgentInput(Seq, Attempt);

/// <summary>Everything is in place; training starts, after <paramref name="ResumedEpoch"/> when it continues from a saved state.</summary>
/// <param name="Seq">The event's sequence number.</param>
/// <param name="Attempt">The attempt it belongs to.</param>
/// <param name="ResumedEpoch">The epoch of the state training continues from; null for a start at epoch 1.</param>
/// <param name="StateProblem">Why a saved state offered to the agent could not be used (training starts at epoch 1); null when none was offered or it was used.</param>
public sealed record ReadyInput(long Seq, int Attempt, int? ResumedEpoch = null, string? StateProblem = null) : AgentInput(Seq, Attempt);

/// <summary>Training progress.</summary>
public sealed record ProgressInput(long Seq, int Attempt, int Percent, long? Step, long? TotalSteps, int? Epoch, int? TotalEpochs, double? Loss, long? EtaSeconds)
    : AgentInput(Seq, Attempt);

/// <summary>An epoch finished with this mean loss (and mean validation loss, when the run validates).</summary>
public sealed record EpochCompletedInput(long Seq, int Attempt, int Epoch, double Loss, double? ValidationLoss = null) : AgentInput(Seq, Attempt);

/// <summary>The trainer exited successfully; the best epoch is chosen by <paramref name="Metric"/> (training loss when unset).</summary>
public sealed record TrainingCompletedInput(long Seq, int Attempt, IReadOnlyList<EpochLoss> Epochs, int BestEpoch, string? Metric = null) : AgentInput(Seq, Attempt);

/// <summary>
/// The best epoch was uploaded to <paramref name="Uri"/>; <paramref name="Loss"/> is its value of <paramref name="Metric"/>.
/// <paramref name="FinishedEarly"/> when the agent stopped training for <c>spec.finish</c> and this is the best epoch saved by then.
/// </summary>
public sealed record UploadedInput(long Seq, int Attempt, int Epoch, double? Loss, string Uri, long Bytes, string? Sha256, string? Metric = null, bool FinishedEarly = false)
    : AgentInput(Seq, Attempt);

/// <summary>An epoch's own file is kept in the output bucket, <paramref name="Bytes"/> long with SHA-256 <paramref name="Sha256"/>.</summary>
public sealed record EpochUploadedInput(long Seq, int Attempt, int Epoch, long Bytes, string Sha256) : AgentInput(Seq, Attempt);

/// <summary>An epoch's sample images were rendered and uploaded (or failed, each with its error); epoch 0 is the baseline before training.</summary>
public sealed record SamplesUploadedInput(long Seq, int Attempt, int Epoch, IReadOnlyList<SampleImageStatus> Samples) : AgentInput(Seq, Attempt);

/// <summary>The agent sent a model file to the cache (<paramref name="Parts"/>), or failed to (<paramref name="Error"/>).</summary>
public sealed record ModelCachedInput(long Seq, int Attempt, string Key, string? UploadId, IReadOnlyList<CachePartStatus>? Parts, string? Error) : AgentInput(Seq, Attempt);

/// <summary>A cached model file did not have its SHA-256; the agent downloaded it from the source instead.</summary>
public sealed record ModelCacheRejectedInput(long Seq, int Attempt, string Key, string? Sha256) : AgentInput(Seq, Attempt);

/// <summary>The agent has sent a training state's parts to the open state upload.</summary>
public sealed record StateSavedInput(long Seq, int Attempt, SavedStateStatus State) : AgentInput(Seq, Attempt);

/// <summary>The agent gave up.</summary>
public sealed record AgentFailedInput(long Seq, int Attempt, string Stage, string Reason) : AgentInput(Seq, Attempt);

/// <summary>The agent is alive.</summary>
public sealed record HeartbeatInput(long Seq, int Attempt) : AgentInput(Seq, Attempt);

/// <summary>The operator accepted a new run.</summary>
public sealed record AcceptedInput : PhaseInput;

/// <summary>The operator rented an instance: the first attempt, or a retry after a stall.</summary>
public sealed record GpuAllocatedInput(GpuStatus Gpu) : PhaseInput;

/// <summary>A deadline passed or the instance died; <paramref name="MachineId"/> is excluded from later attempts.</summary>
public sealed record StallInput(string Reason, string? MachineId) : PhaseInput;

/// <summary>Vast paused the run's interruptible instance (outbid); <paramref name="Reason"/> says so for <c>status.message</c>.</summary>
public sealed record InterruptedInput(string Reason) : PhaseInput;

/// <summary>The paused instance runs again on the same machine.</summary>
public sealed record InstanceResumedInput : PhaseInput;

/// <summary>The operator found the uploaded object in S3 with the expected size and hash.</summary>
public sealed record UploadVerifiedInput : PhaseInput;

/// <summary>An unrecoverable error found by the operator (bad spec, failed verification, cost limit).</summary>
public sealed record FailInput(string Reason, string ConditionReason) : PhaseInput;

/// <summary>A dry run's plan: the offer that would be rented and what it would cost. Nothing is rented.</summary>
public sealed record PlannedInput(PlanStatus Plan, string Message) : PhaseInput;

/// <summary>The user set <c>runPolicy.suspend</c>: the run returns to pending (its instance released) until resumed.</summary>
public sealed record SuspendInput : PhaseInput;

/// <summary>
/// The user set <c>spec.finish</c> while no agent is training. With <paramref name="Kept"/>, the best epoch an earlier
/// attempt kept, which the operator has copied to the run's output and verified, the run completes with it; with none
/// there is nothing to keep, so the run fails, saying so. A training run is finished by its agent instead
/// (<see cref="UploadedInput.FinishedEarly"/>).
/// </summary>
public sealed record FinishEarlyInput(OutputStatus? Kept = null) : PhaseInput;

/// <summary>The user cleared <c>runPolicy.suspend</c>: a suspended run starts preparing again.</summary>
public sealed record ResumeInput : PhaseInput;
