using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Drives one object toward its desired state. The rules every reconciler follows:
/// <list type="bullet">
/// <item>Work from the current state, by key: read the object from the cache, never trust an event's payload.</item>
/// <item>Not found means nothing is left to do: return <see cref="ReconcileResult.Done"/>.</item>
/// <item>Check before every write whether it is already done, so a repeated reconcile changes nothing.</item>
/// <item>Transient errors throw: the queue retries with per-key exponential backoff. Terminal errors are
/// written to status and return Done: retrying cannot fix them.</item>
/// <item>Deadlines are <see cref="ReconcileResult.RequeueAfter"/>, never sleeps.</item>
/// </list>
/// A key is never reconciled by two workers at once.
/// </summary>
public interface IReconciler<TResource>
{
    /// <summary>Reconciles the object named by <paramref name="key"/>.</summary>
    Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken);
}
