using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>Something the controller manager runs while this replica leads: a controller, a sweeper.</summary>
public interface IRunnable
{
    /// <summary>The name used in logs and health reports.</summary>
    string Name { get; }

    /// <summary>Whether the runnable is ready (e.g. its informer has synced).</summary>
    bool IsReady { get; }

    /// <summary>Runs until cancelled.</summary>
    Task RunAsync(CancellationToken cancellationToken);
}
