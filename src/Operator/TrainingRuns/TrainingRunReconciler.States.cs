using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class TrainingRunReconciler
{
    /// <summary>
    /// Moves the run's saved state on (<see cref="RunStates.AdvanceAsync"/>) and writes the new <c>status.resume</c>.
    /// A store failure is logged and made a Warning event, and <c>Failed</c> tells the caller to come back: a state left
    /// uncompleted is lost, and an upload left open bills its parts.
    /// </summary>
    private async Task<(TrainingRun Run, bool Failed)> AdvanceStateAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        try
        {
            return await preparation.AdvanceStateAsync(run, cancellationToken).ConfigureAwait(false) is { } resume
                ? (await WriteAsync(run, run.Status! with { Resume = resume }, cancellationToken).ConfigureAwait(false), false)
                : (run, false);
        }
        catch (ObjectStoreException ex)
        {
            // The store's message names the operation and the object, never a secret.
            TrainingRunLog.StateAdvanceFailed(logger, Name(run), ex.Message);
            await events.WarningAsync(run, "StateNotSaved", $"the saved training state was not moved on: {ex.Message}; trying again", cancellationToken).ConfigureAwait(false);
            return (run, true);
        }
    }
}
