using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>What became of a completed run's leftovers: the status without them, or why they are still there.</summary>
internal sealed record LeftoversOutcome(TrainingRunStatus? Status, string? Problem);

/// <summary>
/// The files a run needed only while it could be retried, deleted once it is completed: the saved training state, and
/// with <c>output.keep: best</c> each epoch's own file, which a run saving state uploads so that a retry can choose
/// among every epoch (<see cref="OutputKeys.KeepsEveryEpoch"/>); the run's canonical key holds the chosen one.
/// </summary>
/// <remarks>
/// A failed or stalled run keeps them: it may be finished (<c>spec.finish</c>) from its epochs, or its spec mended and
/// the run applied again. The status forgets each file deleted, so that no download of it is offered.
/// </remarks>
internal sealed class RunLeftovers(IObjectStoreFactory stores, RunCredentialResolver credentials)
{
    /// <summary>
    /// The objects the completed <paramref name="run"/> should not keep; empty for a run in any other phase, and while a
    /// state upload is still open or to be completed (<see cref="RunStates"/> settles it first).
    /// </summary>
    public static IReadOnlyList<S3Uri> Of(TrainingRun run)
    {
        if (run.Status is not { Phase: TrainingPhase.Completed } status || status.Resume is { Upload: not null } or { Saved: not null })
        {
            return [];
        }

        var output = run.Spec.Output;
        var epochs = output.Keep == KeepPolicy.All
            ? []
            : status.Epochs.Where(EpochSelection.IsKept).Select(e => OutputKeys.Epoch(output.S3, run.Metadata.Name, e.Epoch));
        var state = status.Resume?.Key is { } key ? [new S3Uri(output.S3.Bucket, key)] : Array.Empty<S3Uri>();
        return [.. epochs, .. state];
    }

    /// <summary>Deletes <see cref="Of"/> and returns the status that no longer names them.</summary>
    public async Task<LeftoversOutcome> DeleteAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var (creds, error) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        if (creds is null)
        {
            return new LeftoversOutcome(null, error);
        }

        var store = stores.Create(creds.S3);
        try
        {
            foreach (var leftover in Of(run))
            {
                await store.DeleteAsync(leftover.Bucket, leftover.Key, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ObjectStoreException ex)
        {
            // The store's message names the operation and the object, never a secret.
            return new LeftoversOutcome(null, ex.Message);
        }

        var status = run.Status!;
        return new LeftoversOutcome(status with
        {
            Epochs = run.Spec.Output.Keep == KeepPolicy.All ? status.Epochs : [.. status.Epochs.Select(e => e with { Bytes = null, Sha256 = null })],
            // Why an attempt could not continue from its state stays part of the run's story.
            Resume = status.Resume?.Problem is { } problem ? new ResumeStatus { Problem = problem } : null,
        }, null);
    }
}
