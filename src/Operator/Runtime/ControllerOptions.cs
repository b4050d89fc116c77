using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>How many keys a controller works on at once and how it retries.</summary>
public sealed record ControllerOptions
{
    /// <summary>Concurrent reconciles (each on a different key). Defaults to 4.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>First retry delay after a failed reconcile; doubles per consecutive failure. Defaults to 5 ms.</summary>
    public TimeSpan BaseRetryDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Longest retry delay. Defaults to 5 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long in-flight reconciles may run on after a graceful shutdown starts before they are cancelled; must be
    /// shorter than the host's shutdown timeout (30 seconds unless configured). A lost leadership cancels them at
    /// once instead. Defaults to 25 seconds.
    /// </summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(25);
}
