namespace LoraTrainer.Api;

/// <summary>The conditions each phase implies, consistent with kstatus (Reconciling → InProgress, Stalled → Failed).</summary>
public static class PhaseConditions
{
    /// <summary>The five standard conditions for <paramref name="status"/>; transition times are filled in by <see cref="Conditions.Merge"/>.</summary>
    public static IReadOnlyList<Condition> For(TrainingRunStatus status, int backoffLimit, long? generation)
    {
        var message = status.Message ?? "";
        var reason = status.Reason ?? status.Phase.ToReason();
        var (ready, reconciling, stalled, succeeded, failed) = status.Phase switch
        {
            TrainingPhase.Completed => (true, false, false, true, false),
            // A planned dry run is finished: nothing more will happen until its spec changes.
            TrainingPhase.Pending when status.Plan is not null && !status.Suspended => (true, false, false, false, false),
            TrainingPhase.Failed => (false, false, true, false, true),
            TrainingPhase.Stalled when !PhaseMachine.HasRetriesLeft(status, backoffLimit) => (false, false, true, false, true),
            TrainingPhase.Pending when status.Suspended => (false, false, false, false, false),
            _ => (false, true, false, false, false),
        };

        if (status.Phase == TrainingPhase.Stalled && reconciling)
        {
            reason = "Retrying";
        }
        else if (status.Suspended)
        {
            reason = "Suspended";
        }

        return
        [
            Make(ConditionTypes.Ready, ready, reason, message, generation),
            Make(ConditionTypes.Reconciling, reconciling, reason, message, generation),
            Make(ConditionTypes.Stalled, stalled, reason, message, generation),
            Make(ConditionTypes.Succeeded, succeeded, reason, message, generation),
            Make(ConditionTypes.Failed, failed, reason, message, generation),
        ];
    }

    private static Condition Make(string type, bool value, string reason, string message, long? generation) => new()
    {
        Type = type,
        Status = value ? ConditionStatus.True : ConditionStatus.False,
        Reason = reason,
        Message = message,
        ObservedGeneration = generation,
    };
}
