using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace LoraTrainer.Webhook;

/// <summary>Receiver settings (configuration section <c>Receiver</c>).</summary>
public sealed class ReceiverOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Receiver";

    /// <summary>At most one progress-only status write per run per this interval. Defaults to 5 seconds.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Checked by the generated ReceiverOptionsValidator, which does not build the attribute through its type converter.")]
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ProgressWriteInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a run's token (or the absence of its Secret) is cached after reading its Secret. Defaults to 30 seconds.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Checked by the generated ReceiverOptionsValidator, which does not build the attribute through its type converter.")]
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan TokenCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most runs whose token (or absence) is cached at once; unknown runs are evicted first. Defaults to 10000.</summary>
    [Range(100, 1_000_000)]
    public int TokenCacheEntries { get; set; } = 10_000;

    /// <summary>Largest accepted request body in bytes. Defaults to 65536.</summary>
    [Range(1024, 1_048_576)]
    public int MaxBodyBytes { get; set; } = 65_536;

    /// <summary>Events each run may send per second, sustained. Defaults to 20.</summary>
    [Range(1, 10_000)]
    public int EventsPerSecondPerRun { get; set; } = 20;

    /// <summary>Events a run may send in a burst above the sustained rate. Defaults to 100.</summary>
    [Range(1, 100_000)]
    public int EventBurstPerRun { get; set; } = 100;

    /// <summary>
    /// Requests one client address may send to the agent API per second, sustained, checked before the signature.
    /// Behind an Ingress every agent arrives from the ingress controller's address, so this caps them together.
    /// Defaults to 200.
    /// </summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecondPerClient { get; set; } = 200;

    /// <summary>Requests one client address may send in a burst above the sustained rate. Defaults to 400.</summary>
    [Range(1, 10_000_000)]
    public int RequestBurstPerClient { get; set; } = 400;

    /// <summary>How many times a status write is retried after a 409 from a concurrent writer. Defaults to 5.</summary>
    [Range(0, 50)]
    public int ConflictRetries { get; set; } = 5;

    /// <summary>A kubeconfig to use instead of the in-cluster configuration (development only).</summary>
    public string? Kubeconfig { get; set; }
}
