using System.Text.Json.Serialization;

namespace LoraTrainer.Protocol;

/// <summary>
/// One event from the agent, <c>POST {run}/events</c>. Common fields plus the payload fields of its
/// <see cref="Kind"/>; fields of other kinds are left unset. New fields may be added within v1, never removed.
/// </summary>
public sealed record AgentEvent
{
    /// <summary>Per-attempt sequence number, 1, 2, 3…; a repeated or older seq is acknowledged and ignored.</summary>
    public long Seq { get; init; }
    /// <summary>One of <see cref="EventKinds"/>.</summary>
    public string Kind { get; set; } = "";
    /// <summary>When the event happened on the agent.</summary>
    public DateTimeOffset At { get; init; }
    /// <summary>The attempt the agent belongs to.</summary>
    public int Attempt { get; init; }

    /// <summary><c>gpuReady</c>: the GPU seen.</summary>
    public GpuInfo? Gpu { get; init; }

    /// <summary><c>imagesDownloaded</c>: images found.</summary>
    public int? Images { get; init; }
    /// <summary><c>imagesDownloaded</c>: caption files found.</summary>
    public int? Captions { get; init; }
    /// <summary><c>imagesDownloaded</c>, <c>modelDownloaded</c>, <c>uploaded</c>, <c>epochUploaded</c>, <c>stateSaved</c>: bytes.</summary>
    public long? Bytes { get; init; }
    /// <summary><c>modelDownloaded</c>, <c>uploaded</c>, <c>epochUploaded</c>, <c>stateSaved</c>: SHA-256 of the file.</summary>
    public string? Sha256 { get; init; }

    /// <summary><c>progress</c>: percent complete.</summary>
    public int? Percent { get; init; }
    /// <summary><c>progress</c>: current step.</summary>
    public long? Step { get; init; }
    /// <summary><c>progress</c>: total steps.</summary>
    public long? TotalSteps { get; init; }
    /// <summary><c>progress</c>, <c>epochCompleted</c>, <c>uploaded</c>, <c>epochUploaded</c>, <c>samplesUploaded</c>, <c>stateSaved</c>, <c>ready</c> (the state resumed from): the epoch (0 for samples rendered before training).</summary>
    public int? Epoch { get; init; }
    /// <summary><c>progress</c>: total epochs.</summary>
    public int? TotalEpochs { get; init; }
    /// <summary>
    /// <c>progress</c>, <c>epochCompleted</c>: the mean training loss (of the epoch where one is named).
    /// <c>trainingCompleted</c>, <c>uploaded</c>: the chosen epoch's value of <see cref="Metric"/>.
    /// </summary>
    public double? Loss { get; init; }
    /// <summary><c>epochCompleted</c>: the epoch's mean validation loss, when sd-scripts' validation split is on and validated the epoch.</summary>
    public double? ValidationLoss { get; init; }
    /// <summary><c>progress</c>: estimated seconds left.</summary>
    public long? EtaSeconds { get; init; }
    /// <summary><c>epochCompleted</c>: the file written for the epoch.</summary>
    public string? File { get; init; }

    /// <summary><c>trainingCompleted</c>: every epoch's mean loss.</summary>
    public IReadOnlyList<EpochResult>? Epochs { get; init; }
    /// <summary><c>trainingCompleted</c>: the lowest-loss epoch.</summary>
    public int? BestEpoch { get; init; }
    /// <summary>
    /// <c>trainingCompleted</c>, <c>uploaded</c>: which per-epoch loss chose the epoch, one of <see cref="SelectionMetrics"/>.
    /// Absent from agents that predate it, which always chose by <see cref="SelectionMetrics.TrainingLoss"/>.
    /// </summary>
    public string? Metric { get; init; }

    /// <summary><c>uploaded</c>, <c>epochUploaded</c>, <c>stateSaved</c>: the object key written; <c>modelCached</c>, <c>modelCacheRejected</c>: the cache key (<see cref="ModelCacheEntry.Key"/>).</summary>
    public string? Key { get; init; }

    /// <summary><c>stateSaved</c>, <c>modelCached</c>: the multipart upload (<see cref="MultipartUploadTarget.UploadId"/>) the parts were sent to.</summary>
    public string? UploadId { get; init; }
    /// <summary>
    /// <c>stateSaved</c>, <c>modelCached</c>: every part sent, in order, with the ETag the store answered; the operator
    /// completes the upload with them. A <c>modelCached</c> without parts (and with a <see cref="Reason"/>) failed, and
    /// the operator aborts its upload.
    /// </summary>
    public IReadOnlyList<UploadedPartETag>? Parts { get; init; }

    /// <summary><c>samplesUploaded</c>: the epoch's sample images, one per prompt, each uploaded or failed.</summary>
    public IReadOnlyList<SampleImage>? SampleImages { get; init; }

    /// <summary>
    /// <c>trainingCompleted</c>, <c>uploaded</c>: true when the agent stopped training because the run was finished early
    /// (<see cref="EventAck.Finish"/>); the epochs and the chosen one are those saved by then.
    /// </summary>
    public bool? FinishedEarly { get; init; }

    /// <summary>
    /// <c>failed</c>: where it failed (config, images, model, training, upload), or <c>finish</c> when the run was
    /// finished early before any epoch was saved.
    /// </summary>
    public string? Stage { get; init; }
    /// <summary>
    /// <c>failed</c>, and a <c>modelCached</c> that failed: why, secrets scrubbed. <c>ready</c>: why a saved state
    /// offered was not used (training then starts at epoch 1).
    /// </summary>
    public string? Reason { get; init; }
    /// <summary><c>failed</c>: the last lines of the trainer's output, secrets scrubbed.</summary>
    public string? LogTail { get; init; }
}

/// <summary>The GPU the agent sees.</summary>
public sealed record GpuInfo
{
    /// <summary>GPU model name.</summary>
    public string? Name { get; init; }
    /// <summary>Memory in MB.</summary>
    public long? MemoryMb { get; init; }
    /// <summary>Driver version.</summary>
    public string? Driver { get; init; }
    /// <summary>CUDA version.</summary>
    public string? Cuda { get; init; }
}

/// <summary>One epoch's mean loss.</summary>
public sealed record EpochResult
{
    /// <summary>The epoch number.</summary>
    public int Epoch { get; init; }
    /// <summary>Its mean loss.</summary>
    public double Loss { get; init; }
    /// <summary>Its mean validation loss, when the epoch was validated.</summary>
    public double? ValidationLoss { get; init; }
}

/// <summary>The per-epoch losses an epoch can be chosen by.</summary>
public static class SelectionMetrics
{
    /// <summary>The mean training loss of the epoch (sd-scripts' <c>loss/epoch_average</c>).</summary>
    public const string TrainingLoss = "trainingLoss";
    /// <summary>The mean loss on the held-out validation images (sd-scripts' <c>loss/validation/epoch_average</c>), used when the run validates.</summary>
    public const string ValidationLoss = "validationLoss";
}

/// <summary>The receiver's answer to an event.</summary>
public sealed record EventAck
{
    /// <summary>False when the event was a repeat, stale, or arrived after a terminal phase.</summary>
    public bool Accepted { get; init; }
    /// <summary>The run's phase after the event.</summary>
    public string Phase { get; set; } = "";

    /// <summary>
    /// <see cref="FinishRequests.Now"/> when the user asked the run to finish early (<c>spec.finish: now</c>): the agent
    /// stops training, uploads the best epoch saved so far and reports <c>uploaded</c> with
    /// <see cref="AgentEvent.FinishedEarly"/>, or <c>failed</c> (stage <c>finish</c>) when no epoch was saved. Unset otherwise.
    /// </summary>
    public string? Finish { get; init; }
}

/// <summary>The values of <see cref="EventAck.Finish"/>.</summary>
public static class FinishRequests
{
    /// <summary>Stop training now and keep the best epoch saved so far.</summary>
    public const string Now = "now";
}

/// <summary>The event kinds of protocol v1.</summary>
public static class EventKinds
{
    /// <summary>The agent started and sees its GPU.</summary>
    public const string GpuReady = "gpuReady";
    /// <summary>The dataset is downloaded and unpacked.</summary>
    public const string ImagesDownloaded = "imagesDownloaded";
    /// <summary>The base model is downloaded and verified.</summary>
    public const string ModelDownloaded = "modelDownloaded";
    /// <summary>Training starts.</summary>
    public const string Ready = "ready";
    /// <summary>Training progress.</summary>
    public const string Progress = "progress";
    /// <summary>An epoch finished.</summary>
    public const string EpochCompleted = "epochCompleted";
    /// <summary>The trainer finished.</summary>
    public const string TrainingCompleted = "trainingCompleted";
    /// <summary>The best epoch is uploaded.</summary>
    public const string Uploaded = "uploaded";
    /// <summary>
    /// One epoch's own file is kept in the bucket (every epoch is, when the run keeps all of them or saves its state),
    /// with its size and SHA-256; never changes the phase.
    /// </summary>
    public const string EpochUploaded = "epochUploaded";
    /// <summary>An epoch's sample images are uploaded (or failed, each with its error); never ends the run.</summary>
    public const string SamplesUploaded = "samplesUploaded";
    /// <summary>
    /// A model file the cache did not hold was sent to it as a multipart upload (or failed to be); the operator
    /// completes (or aborts) the upload. Never changes the phase.
    /// </summary>
    public const string ModelCached = "modelCached";
    /// <summary>A model file from the cache did not have its SHA-256; the agent fell back to the source, and the operator evicts the object.</summary>
    public const string ModelCacheRejected = "modelCacheRejected";
    /// <summary>A training state is uploaded as a multipart upload's parts, for the operator to complete; never ends the run.</summary>
    public const string StateSaved = "stateSaved";
    /// <summary>The agent gave up.</summary>
    public const string Failed = "failed";
    /// <summary>Still alive.</summary>
    public const string Heartbeat = "heartbeat";

    /// <summary>Every kind of v1.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        GpuReady, ImagesDownloaded, ModelDownloaded, Ready, Progress, EpochCompleted, TrainingCompleted, Uploaded, EpochUploaded, SamplesUploaded, ModelCached, ModelCacheRejected, StateSaved, Failed, Heartbeat,
    };
}
