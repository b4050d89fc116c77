namespace LoraTrainer.Agent.Configuration;

/// <summary>
/// Start-up settings of the agent. <see cref="RunUrl"/> and <see cref="RunToken"/> come from the environment
/// (<c>LORATRAINER_RUN_URL</c>, <c>LORATRAINER_RUN_TOKEN</c>); the rest from the <c>Agent</c> configuration section
/// (e.g. <c>Agent__WorkDirectory</c>), each with a default that fits the GPU image. <see cref="ContainerId"/> and
/// <see cref="ContainerApiKey"/> are what Vast injects into every container (<c>CONTAINER_ID</c>, <c>CONTAINER_API_KEY</c>).
/// </summary>
internal sealed class AgentOptions
{
    /// <summary>The configuration section of everything but the two environment values.</summary>
    public const string Section = "Agent";

    /// <summary>The run's base URL on the receiver. From <c>LORATRAINER_RUN_URL</c>; required.</summary>
    public string RunUrl { get; set; } = "";

    /// <summary>The per-run signing token. From <c>LORATRAINER_RUN_TOKEN</c>; required; never sent or logged.</summary>
    public string RunToken { get; set; } = "";

    /// <summary>Where the dataset, model, arguments and outputs live. Defaults to <c>/workspace/lora-run</c>.</summary>
    public string WorkDirectory { get; set; } = "/workspace/lora-run";

    /// <summary>The sd-scripts checkout. Defaults to <c>/opt/sd-scripts</c> (where the GPU image puts it).</summary>
    public string SdScriptsDirectory { get; set; } = "/opt/sd-scripts";

    /// <summary>How long to keep trying to fetch the config. Defaults to 30 minutes.</summary>
    public TimeSpan ConfigTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long to keep retrying event delivery before giving up at exit. Defaults to 2 hours.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>First retry delay; doubles per attempt, with jitter. Defaults to 1 second.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest retry delay. Defaults to 60 seconds.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Attempts per download or upload before the stage fails. Defaults to 8.</summary>
    public int TransferAttempts { get; set; } = 8;

    /// <summary>How long a download or upload may move no bytes before its connection is dropped and the transfer retried. Defaults to 2 minutes.</summary>
    public TimeSpan TransferStallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Most entries a dataset zip may hold. Defaults to 100,000.</summary>
    public int MaxZipEntries { get; set; } = 100_000;

    /// <summary>Most bytes a dataset zip may unpack to. Defaults to 50 GiB.</summary>
    public long MaxZipBytes { get; set; } = 50L * 1024 * 1024 * 1024;

    /// <summary>The trainer command line, with placeholders; see <see cref="Training.TrainerCommand"/>. Defaults to sd-scripts under accelerate.</summary>
    public string? TrainerCommand { get; set; }

    /// <summary>The GPU query program. Defaults to <c>nvidia-smi</c>; absent means the GPU is reported unknown.</summary>
    public string GpuProbeCommand { get; set; } = "nvidia-smi";

    /// <summary>Trainer output lines kept for a <c>failed</c> event. Defaults to 40.</summary>
    public int LogTailLines { get; set; } = 40;

    /// <summary>
    /// How long the receiver may go without answering before the watchdog uploads the best epoch so far, destroys the
    /// instance and exits. Defaults to 30 minutes.
    /// </summary>
    public TimeSpan SelfDestructWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the watchdog looks at the receiver contact and the run's limits. Defaults to 30 seconds.</summary>
    public TimeSpan WatchdogInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Vast's API base URL, for the instance to destroy itself. Defaults to <c>https://console.vast.ai</c>.</summary>
    public string VastBaseUrl { get; set; } = "https://console.vast.ai";

    /// <summary>This instance's id at Vast. From <c>CONTAINER_ID</c>; absent off Vast.</summary>
    public string? ContainerId { get; set; }

    /// <summary>Vast's per-instance key, good only for this instance. From <c>CONTAINER_API_KEY</c>; absent off Vast; never logged.</summary>
    public string? ContainerApiKey { get; set; }
}
