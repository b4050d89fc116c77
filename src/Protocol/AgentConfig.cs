namespace LoraTrainer.Protocol;

/// <summary>The document the agent fetches from <c>GET {run}/config</c>: everything it needs, nothing it keeps.</summary>
/// <remarks>Presigned URLs inside expire; fetching the config again returns fresh ones.</remarks>
public sealed record AgentConfig
{
    /// <summary>Always <see cref="ProtocolVersion.Current"/> for this contract.</summary>
    public string Protocol { get; set; } = ProtocolVersion.Current;

    /// <summary>Which run and attempt this config belongs to.</summary>
    public RunIdentity Run { get; set; } = new();

    /// <summary>The dataset zip and how to lay it out for the trainer.</summary>
    public DatasetSource Dataset { get; set; } = new();

    /// <summary>The base model file(s) to download.</summary>
    public ModelSource Model { get; set; } = new();

    /// <summary>The trainer script and its arguments.</summary>
    public TrainingPlan Training { get; set; } = new();

    /// <summary>Where to upload the result.</summary>
    public OutputTargets Outputs { get; set; } = new();

    /// <summary>The sample images to render at chosen epochs; null when the run renders none.</summary>
    public SamplePlan? Samples { get; init; }

    /// <summary>How often to report.</summary>
    public ReportingPolicy Reporting { get; set; } = new();

    /// <summary>Saving and restoring sd-scripts' training state; null when the run saves none.</summary>
    public StatePlan? State { get; init; }

    /// <summary>When the agent must stop on its own, even with nobody left to tell it; null when the run sets no limit.</summary>
    /// <remarks>Added within v1: an older agent ignores it, an older operator leaves it out.</remarks>
    public RunLimits? Limits { get; init; }
}

/// <summary>The run and attempt a config or event belongs to.</summary>
public sealed record RunIdentity
{
    /// <summary>The TrainingRun's namespace.</summary>
    public string Namespace { get; set; } = "";
    /// <summary>The TrainingRun's name.</summary>
    public string Name { get; set; } = "";
    /// <summary>The TrainingRun's uid.</summary>
    public string Uid { get; set; } = "";
    /// <summary>The attempt number, from 1.</summary>
    public int Attempt { get; init; }
}

/// <summary>The dataset zip.</summary>
public sealed record DatasetSource
{
    /// <summary>Presigned GET URL of the zip.</summary>
    public string Url { get; set; } = "";
    /// <summary>Size of the zip in bytes.</summary>
    public long Bytes { get; init; }
    /// <summary>SHA-256 naming the zip's content (keys, ETags and sizes), not a hash of its bytes.</summary>
    public string? Sha256 { get; init; }
    /// <summary>How the trainer sees the images.</summary>
    public DatasetLayout Layout { get; set; } = new();
}

/// <summary>How the dataset is laid out for sd-scripts.</summary>
public sealed record DatasetLayout
{
    /// <summary>Repeats per image per epoch.</summary>
    public int Repeats { get; set; } = 10;
    /// <summary>Caption for images without a caption file.</summary>
    public string? ClassTokens { get; init; }
    /// <summary>Caption file extension.</summary>
    public string CaptionExtension { get; set; } = ".txt";
    /// <summary>Training resolution in pixels.</summary>
    public int Resolution { get; set; } = 1024;
    /// <summary>Images per batch.</summary>
    public int BatchSize { get; set; } = 1;
}

/// <summary>The base model: one checkpoint, plus the extra files a Flux run needs.</summary>
public sealed record ModelSource
{
    /// <summary><c>sd15</c>, <c>sdxl</c> or <c>flux</c>.</summary>
    public string Family { get; set; } = "";
    /// <summary>Download URL of the checkpoint.</summary>
    public string Url { get; set; } = "";
    /// <summary>Value of the Authorization header for the download, when one is needed.</summary>
    public string? Authorization { get; init; }
    /// <summary>File name to save the checkpoint as.</summary>
    public string FileName { get; set; } = "model.safetensors";
    /// <summary>Expected size in bytes, when known.</summary>
    public long? Bytes { get; init; }
    /// <summary>Expected lowercase hex SHA-256, when known.</summary>
    public string? Sha256 { get; init; }
    /// <summary>Additional files (Flux: <c>clip_l</c>, <c>t5xxl</c>, <c>ae</c>), keyed by the trainer argument that takes their path.</summary>
    public IReadOnlyList<ModelFile> ExtraFiles { get; set; } = [];
    /// <summary>The checkpoint in the model cache; null when the run uses no cache.</summary>
    /// <remarks>Added within v1: an older agent ignores it and downloads <see cref="Url"/>.</remarks>
    public ModelCacheEntry? Cache { get; init; }
}

/// <summary>An extra model file passed to the trainer by argument name.</summary>
public sealed record ModelFile
{
    /// <summary>The sd-scripts argument that takes the file's path, e.g. <c>clip_l</c>.</summary>
    public string Argument { get; set; } = "";
    /// <summary>Download URL.</summary>
    public string Url { get; set; } = "";
    /// <summary>Authorization header value, when needed.</summary>
    public string? Authorization { get; init; }
    /// <summary>File name to save as.</summary>
    public string FileName { get; set; } = "";
    /// <summary>Expected size in bytes.</summary>
    public long? Bytes { get; init; }
    /// <summary>Expected SHA-256.</summary>
    public string? Sha256 { get; init; }
    /// <summary>The file in the model cache; null when the run uses no cache.</summary>
    public ModelCacheEntry? Cache { get; init; }
}

/// <summary>The trainer invocation.</summary>
public sealed record TrainingPlan
{
    /// <summary>The sd-scripts script, e.g. <c>sdxl_train_network.py</c>.</summary>
    public string Script { get; set; } = "";
    /// <summary>The script's arguments, written to the arguments TOML; the number of epochs is among them.</summary>
    public TrainingArgs Args { get; set; } = new();
    /// <summary>GPUs to train on, one trainer process each (data parallel when more than one).</summary>
    public int Gpus { get; set; } = 1;
}

/// <summary>Where results go.</summary>
public sealed record OutputTargets
{
    /// <summary>The best epoch's upload target.</summary>
    public UploadTarget Best { get; set; } = new();
    /// <summary>Per-epoch upload targets when every epoch is kept; empty otherwise.</summary>
    public IReadOnlyList<EpochUploadTarget> Epochs { get; set; } = [];
    /// <summary>One presigned PUT per sampled epoch and prompt (<see cref="AgentConfig.Samples"/>); empty without samples.</summary>
    public IReadOnlyList<SampleUploadTarget> Samples { get; set; } = [];
}

/// <summary>A presigned PUT.</summary>
public sealed record UploadTarget
{
    /// <summary>Presigned PUT URL.</summary>
    public string Url { get; set; } = "";
    /// <summary>The object key it writes.</summary>
    public string Key { get; set; } = "";
}

/// <summary>A presigned PUT for one epoch.</summary>
public sealed record EpochUploadTarget
{
    /// <summary>The epoch number.</summary>
    public int Epoch { get; init; }
    /// <summary>Presigned PUT URL.</summary>
    public string Url { get; set; } = "";
    /// <summary>The object key it writes.</summary>
    public string Key { get; set; } = "";
}

/// <summary>How often the agent reports.</summary>
public sealed record ReportingPolicy
{
    /// <summary>Send progress at least every this many percent. Defaults to 2.</summary>
    public int ProgressEveryPercent { get; set; } = 2;
    /// <summary>Send progress at least every this many seconds. Defaults to 30.</summary>
    public int ProgressEverySeconds { get; set; } = 30;
    /// <summary>Send a heartbeat when silent this long. Defaults to 60.</summary>
    public int HeartbeatSeconds { get; set; } = 60;
}

/// <summary>
/// The points in time past which the run must not go on. The agent's self-destruct watchdog enforces them when the
/// operator cannot: it uploads the best epoch so far, destroys its own instance and exits.
/// </summary>
/// <remarks>Absolute times, so that a retried attempt does not start the clock again; they rely on the GPU host's clock, which request signing already requires to be within 5 minutes.</remarks>
public sealed record RunLimits
{
    /// <summary>The run's start plus <c>spec.runPolicy.activeDeadlineSeconds</c>; null when the run has no deadline.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>When <c>spec.runPolicy.maxCostUsd</c> runs out at the rented instance's hourly price; null without a budget or before an instance is rented.</summary>
    public DateTimeOffset? BudgetExhaustedAt { get; init; }
}

/// <summary>Protocol version constants.</summary>
public static class ProtocolVersion
{
    /// <summary>The version this assembly speaks.</summary>
    public const string Current = "v1";
}
