using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>What a reconcile asks of the queue: nothing more, or another look after a delay.</summary>
public sealed record ReconcileResult
{
    private ReconcileResult(TimeSpan? requeueAfter) => RequeueAfterDelay = requeueAfter;

    /// <summary>The delay before the key is reconciled again, or null when only a change should trigger it.</summary>
    public TimeSpan? RequeueAfterDelay { get; }

    /// <summary>The object is as it should be; reconcile again only when it changes.</summary>
    public static ReconcileResult Done { get; } = new((TimeSpan?)null);

    /// <summary>Reconcile again after <paramref name="delay"/> (a deadline, a poll), even if nothing changes.</summary>
    public static ReconcileResult RequeueAfter(TimeSpan delay) => new(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
}
