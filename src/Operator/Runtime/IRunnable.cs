using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>Something the controller manager runs while this replica leads: a controller, a sweeper.</summary>
public interface IRunnable
{
    /// <summary>The name used in logs and health reports.</summary>
    string Name { get; }

    /// <summary>Whether the runnable is ready (e.g. its informer has synced).</summary>
    bool IsReady { get; }

    /// <summary>
    /// Runs until <paramref name="stopping"/> is cancelled, then finishes in-flight work (a graceful shutdown).
    /// <paramref name="aborting"/> cancels in-flight work at once: leadership was lost and another replica may
    /// already be taking over.
    /// </summary>
    Task RunAsync(CancellationToken stopping, CancellationToken aborting);
}
