using LoraTrainer.Api;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Vast.Sweeping;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Answers the orphan sweep from the informer cache: which instances a live run still owns.</summary>
internal sealed class TrainingRunClaims(Informer<TrainingRun> informer) : IInstanceClaims
{
    public bool IsSynced => informer.HasSynced;

    public ValueTask<bool> IsClaimedAsync(InstanceClaim candidate, CancellationToken cancellationToken)
    {
        var run = informer.List().FirstOrDefault(r => r.Metadata.Uid == candidate.Label.RunUid);
        return ValueTask.FromResult(run is not null && Claims(run, candidate));
    }

    /// <summary>
    /// A run claims the instance of its current attempt (unless released), and the label of its next attempt while it
    /// is renting one (pending or stalled: the create may have happened but not yet been recorded). A suspended run
    /// rents nothing, so an instance under its next attempt's label is a leftover and bills for nothing.
    /// </summary>
    private static bool Claims(TrainingRun run, InstanceClaim candidate)
    {
        var status = run.Status;
        if (status is null || run.Metadata.DeletionTimestamp is not null)
        {
            return false;
        }

        var renting = status.Phase is TrainingPhase.Pending or TrainingPhase.Stalled && !status.Suspended && !PhaseMachine.IsTerminal(run);
        if (renting && candidate.Label.Attempt == status.Attempt + 1)
        {
            return true;
        }

        var current = status.Gpu;
        return status.Phase.HoldsGpu()
            && candidate.Label.Attempt == status.Attempt
            && current?.ReleasedAt is null
            && (current?.InstanceId is null || current.InstanceId == candidate.InstanceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
