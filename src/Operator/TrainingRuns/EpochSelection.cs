using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>What became of <c>spec.output.selectedEpoch</c>: the output now holding the epoch, or why it cannot.</summary>
internal sealed record SelectionOutcome(OutputStatus? Output, string? Refusal);

/// <summary>
/// Puts an epoch at a run's canonical key: the one the user selected (<c>spec.output.selectedEpoch</c>) once the run is
/// completed, or, for <c>spec.finish</c> between attempts, the best of those earlier attempts kept. Either is an S3
/// server-side copy of the epoch's own file, read back and checked by SHA-256 before status says so.
/// </summary>
internal sealed class EpochSelection(IObjectStoreFactory stores, RunCredentialResolver credentials, TimeProvider time)
{
    private const string Finish = "spec.finish";
    private const string Selection = "spec.output.selectedEpoch";

    /// <summary>Whether <paramref name="epoch"/>'s own file is in the output bucket: status records its size and SHA-256.</summary>
    public static bool IsKept(EpochLoss epoch) => epoch is { Epoch: >= 1, Bytes: not null, Sha256: not null };

    /// <summary>
    /// The best of the epochs whose files the run kept, by the rule the agent chooses by (<see cref="EpochRule"/>), by
    /// validation loss when the run validated any; null when none is kept.
    /// </summary>
    public static EpochPick<EpochLoss>? BestKept(TrainingRun run)
    {
        var kept = run.Status?.Epochs.Where(IsKept).ToList() ?? [];
        return EpochRule.Choose(kept, kept.Any(e => e.ValidationLoss is not null), e => e.Epoch, e => e.Loss, e => e.ValidationLoss);
    }

    /// <summary>Whether the completed <paramref name="run"/> asks for an epoch its output does not hold yet.</summary>
    public static bool IsDue(TrainingRun run) =>
        run.Status is { Phase: TrainingPhase.Completed, Output: { } output }
        && run.Spec.Output.SelectedEpoch is { } selected
        && (output.Epoch != selected || output.ChosenBy != OutputChoosers.User);

    /// <summary>The refusal message, when the selected epoch cannot be had; null when it can.</summary>
    public static string? Refusal(TrainingRun run)
    {
        var selected = run.Spec.Output.SelectedEpoch!.Value;
        // With keep: best, a run saving state uploads every epoch's file, and deletes them once it is completed.
        if (run.Spec.Output.Keep != KeepPolicy.All && !run.Status!.Epochs.Any(e => e.Epoch == selected && IsKept(e)))
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

        return await WithStoreAsync(run, Selection, store => SelectAsync(run, store, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Copies <paramref name="best"/> (<see cref="BestKept"/>) onto the canonical key and checks the copy against the
    /// size and SHA-256 status recorded for the epoch: the output of a run finished early between attempts.
    /// </summary>
    public Task<SelectionOutcome> FinishAsync(TrainingRun run, EpochPick<EpochLoss> best, CancellationToken cancellationToken) =>
        WithStoreAsync(run, Finish, async store =>
        {
            var epoch = best.Epoch;
            var (copy, problem) = await CopyEpochAsync(store, run, epoch.Epoch, Finish, (epoch.Sha256!, epoch.Bytes), cancellationToken).ConfigureAwait(false);
            return copy is null ? new SelectionOutcome(null, problem) : new SelectionOutcome(new OutputStatus
            {
                Uri = copy.Target.ToString(), Epoch = epoch.Epoch, Metric = best.Metric, ChosenBy = OutputChoosers.Metric,
                Loss = best.Metric == SelectionMetrics.ValidationLoss ? epoch.ValidationLoss : epoch.Loss,
                Bytes = copy.Bytes, Sha256 = copy.Sha256, VerifiedAt = Time.Truncate(time.GetUtcNow()), FinishedEarly = true,
            }, null);
        }, cancellationToken);

    private async Task<SelectionOutcome> WithStoreAsync(TrainingRun run, string field, Func<IObjectStore, Task<SelectionOutcome>> use, CancellationToken cancellationToken)
    {
        var (creds, error) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        if (creds is null)
        {
            return new SelectionOutcome(null, $"{field}: {error}");
        }

        try
        {
            return await use(stores.Create(creds.S3)).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex)
        {
            // The store's message names the operation and the object, never a secret; the next reconcile tries again.
            return new SelectionOutcome(null, $"{field}: {ex.Message}");
        }
    }

    private async Task<SelectionOutcome> SelectAsync(TrainingRun run, IObjectStore store, CancellationToken cancellationToken)
    {
        var epoch = run.Spec.Output.SelectedEpoch!.Value;
        var (copy, problem) = await CopyEpochAsync(store, run, epoch, Selection, null, cancellationToken).ConfigureAwait(false);
        if (copy is null)
        {
            return new SelectionOutcome(null, problem);
        }

        var loss = run.Status!.Epochs.FirstOrDefault(e => e.Epoch == epoch)?.Loss;
        return new SelectionOutcome(run.Status.Output! with
        {
            // The user chose by eye; the loss shown is the epoch's mean training loss.
            Uri = copy.Target.ToString(), Epoch = epoch, Loss = loss, Metric = "trainingLoss", ChosenBy = OutputChoosers.User,
            Bytes = copy.Bytes, Sha256 = copy.Sha256, VerifiedAt = Time.Truncate(time.GetUtcNow()),
        }, null);
    }

    /// <summary>
    /// Copies <paramref name="epoch"/>'s own file onto the canonical key and reads the copy back. It must have the
    /// <paramref name="expected"/> SHA-256 and size, or when none is given those the source has; otherwise the
    /// problem, for <c>status.message</c>, says what differs.
    /// </summary>
    private static async Task<(CopiedEpoch? Copy, string? Problem)> CopyEpochAsync(IObjectStore store, TrainingRun run, int epoch, string field,
        (string Sha256, long? Bytes)? expected, CancellationToken cancellationToken)
    {
        var source = OutputKeys.Epoch(run.Spec.Output.S3, run.Metadata.Name, epoch);
        var target = OutputKeys.Best(run.Spec.Output.S3, run.Metadata.Name);
        if (await store.HeadAsync(source.Bucket, source.Key, cancellationToken).ConfigureAwait(false) is null)
        {
            return (null, $"{field}: epoch {epoch} is not at {source} any more");
        }

        (string Sha256, long? Bytes) want = expected ?? await Sha256AndSizeAsync(store, source, cancellationToken).ConfigureAwait(false);
        await store.CopyAsync(source.Bucket, source.Key, target.Key, cancellationToken).ConfigureAwait(false);
        var (copied, size) = await Sha256AndSizeAsync(store, target, cancellationToken).ConfigureAwait(false);
        if (copied != want.Sha256 || (want.Bytes is { } bytes && size != bytes))
        {
            return (null, $"{field}: the copy of epoch {epoch} at {target} has SHA-256 {copied} ({size} bytes), not {want.Sha256}"
                + (want.Bytes is { } recorded ? $" ({recorded} bytes)" : ""));
        }

        return (new CopiedEpoch(target, copied, size), null);
    }

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

    private sealed record CopiedEpoch(S3Uri Target, string Sha256, long Bytes);
}
