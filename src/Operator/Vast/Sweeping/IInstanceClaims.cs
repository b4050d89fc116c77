using LoraTrainer.Operator.Vast.Instances;

namespace LoraTrainer.Operator.Vast.Sweeping;

/// <summary>Tells the orphan sweep which Vast instances a live TrainingRun still owns. The reconciler implements it from its informer cache.</summary>
/// <remarks>
/// An instance is claimed when the run with the label's uid exists, is not terminal, its
/// <c>status.attempt</c> equals the label's attempt, and <c>status.gpu.instanceId</c> is either this
/// instance's id or not written yet (the create is in flight). Anything else — a deleted run, a finished
/// run, an older attempt, a duplicate made by a lost create answer — is an orphan and is destroyed.
/// </remarks>
internal interface IInstanceClaims
{
    /// <summary>False until the claims are fully loaded (informer cache synced); the sweep destroys nothing before.</summary>
    bool IsSynced { get; }

    /// <summary>Whether a live run owns the instance.</summary>
    ValueTask<bool> IsClaimedAsync(InstanceClaim candidate, CancellationToken cancellationToken);
}

/// <summary>An instance of this cluster found on Vast, with its parsed label.</summary>
internal sealed record InstanceClaim(long InstanceId, VastInstanceLabel Label);
