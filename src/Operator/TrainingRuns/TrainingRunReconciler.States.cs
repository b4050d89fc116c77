using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class TrainingRunReconciler
{
    /// <summary>
    /// Moves the run's saved state on (<see cref="RunStates.AdvanceAsync"/>) and writes the new <c>status.resume</c>.
    /// A store failure is logged and made a Warning event, and <c>Failed</c> tells the caller to come back: a state left
    /// uncompleted is lost, and an upload left open bills its parts.
    /// </summary>
    /// <remarks>
    /// The store is called before the status is written, and the write can lose a race with the receiver's. The state
    /// then completed is completed again, harmlessly, by the next pass (<see cref="RunStates"/>); an upload then opened
    /// is aborted here, since no status names it.
    /// </remarks>
    private async Task<(TrainingRun Run, bool Failed)> AdvanceStateAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        try
        {
            if (await preparation.AdvanceStateAsync(run, cancellationToken).ConfigureAwait(false) is not { } resume)
            {
                return (run, false);
            }

            try
            {
                return (await WriteAsync(run, run.Status! with { Resume = resume }, cancellationToken).ConfigureAwait(false), false);
            }
            catch (ResourceConflictException) when (resume.Upload is { } opened && opened.UploadId != run.Status!.Resume?.Upload?.UploadId)
            {
                await preparation.AbortStateUploadAsync(run, opened, cancellationToken).ConfigureAwait(false);
                throw;
            }
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
