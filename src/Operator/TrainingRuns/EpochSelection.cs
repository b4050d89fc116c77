using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>What became of <c>spec.output.selectedEpoch</c>: the output now holding the epoch, or why it cannot.</summary>
internal sealed record SelectionOutcome(OutputStatus? Output, string? Refusal);

/// <summary>
/// Puts the epoch the user selected (<c>spec.output.selectedEpoch</c>) at a completed run's canonical key: an S3
/// server-side copy of the epoch's file, read back and checked by SHA-256 against the source before status says so.
/// </summary>
internal sealed class EpochSelection(IObjectStoreFactory stores, RunCredentialResolver credentials, TimeProvider time)
{
    /// <summary>Whether the completed <paramref name="run"/> asks for an epoch its output does not hold yet.</summary>
    public static bool IsDue(TrainingRun run) =>
        run.Status is { Phase: TrainingPhase.Completed, Output: { } output }
        && run.Spec.Output.SelectedEpoch is { } selected
        && (output.Epoch != selected || output.ChosenBy != OutputChoosers.User);

    /// <summary>The refusal message, when the selected epoch cannot be had; null when it can.</summary>
    public static string? Refusal(TrainingRun run)
    {
        var selected = run.Spec.Output.SelectedEpoch!.Value;
        if (!OutputKeys.KeepsEveryEpoch(run.Spec.Output, RunStates.EveryNEpochs(run) > 0))
        {
            return $"spec.output.selectedEpoch: epoch {selected} was not kept: only the lowest-loss epoch ({run.Status!.Output!.Epoch}) was uploaded (output.keep: best); "
                + "set output.keep: all before training to choose among epochs";
        }

        var trained = run.Status!.Epochs.Where(e => e.Epoch >= 1).Select(e => e.Epoch).DefaultIfEmpty(0).Max();
        return selected > trained ? $"spec.output.selectedEpoch: the run trained epochs 1 to {trained}; there is no epoch {selected}" : null;
    }

    /// <summary>Copies the selected epoch onto the canonical key and verifies it.</summary>
    public async Task<SelectionOutcome> ApplyAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (Refusal(run) is { } refusal)
        {
            return new SelectionOutcome(null, refusal);
        }

        var (creds, error) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        if (creds is null)
        {
            return new SelectionOutcome(null, $"spec.output.selectedEpoch: {error}");
        }

        try
        {
            return await CopyAsync(run, stores.Create(creds.S3), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex)
        {
            // The store's message names the operation and the object, never a secret; the next reconcile tries again.
            return new SelectionOutcome(null, $"spec.output.selectedEpoch: {ex.Message}");
        }
    }

    private async Task<SelectionOutcome> CopyAsync(TrainingRun run, IObjectStore store, CancellationToken cancellationToken)
    {
        var epoch = run.Spec.Output.SelectedEpoch!.Value;
        var source = OutputKeys.Epoch(run.Spec.Output.S3, run.Metadata.Name, epoch);
        var target = OutputKeys.Best(run.Spec.Output.S3, run.Metadata.Name);
        if (await store.HeadAsync(source.Bucket, source.Key, cancellationToken).ConfigureAwait(false) is null)
        {
            return new SelectionOutcome(null, $"spec.output.selectedEpoch: epoch {epoch} is not at {source} any more");
        }

        var expected = await Sha256Async(store, source, cancellationToken).ConfigureAwait(false);
        await store.CopyAsync(source.Bucket, source.Key, target.Key, cancellationToken).ConfigureAwait(false);
        var (copied, bytes) = await Sha256AndSizeAsync(store, target, cancellationToken).ConfigureAwait(false);
        if (copied != expected)
        {
            return new SelectionOutcome(null, $"spec.output.selectedEpoch: the copy of epoch {epoch} at {target} has SHA-256 {copied}, not {expected}; it is tried again");
        }

        var loss = run.Status!.Epochs.FirstOrDefault(e => e.Epoch == epoch)?.Loss;
        return new SelectionOutcome(run.Status.Output! with
        {
            // The user chose by eye; the loss shown is the epoch's mean training loss.
            Uri = target.ToString(), Epoch = epoch, Loss = loss, Metric = "trainingLoss", ChosenBy = OutputChoosers.User,
            Bytes = bytes, Sha256 = copied, VerifiedAt = Time.Truncate(time.GetUtcNow()),
        }, null);
    }

    private static async Task<string> Sha256Async(IObjectStore store, S3Uri uri, CancellationToken cancellationToken) =>
        (await Sha256AndSizeAsync(store, uri, cancellationToken).ConfigureAwait(false)).Sha256;

    private static async Task<(string Sha256, long Bytes)> Sha256AndSizeAsync(IObjectStore store, S3Uri uri, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(uri.Bucket, uri.Key, cancellationToken).ConfigureAwait(false);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long bytes = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            bytes += read;
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), bytes);
    }
}
