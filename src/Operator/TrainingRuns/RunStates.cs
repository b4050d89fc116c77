using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// The run's saved training state in its output bucket: one multipart upload held open for the agent's next state,
/// completed once the agent reports its parts (<c>status.resume.saved</c>), after which the previous state is deleted
/// and the next upload opened. A retried attempt's config carries the newest state to continue from.
/// </summary>
/// <remarks>
/// The previous state is deleted only after the new one is complete, so a crash in between leaves one whole state.
/// The first upload is sized for <see cref="FirstStateGuessBytes"/>; each later one for the size of the state before.
/// </remarks>
internal sealed class RunStates(PresignedMultipart multipart, IOptions<S3Options> s3, TimeProvider time)
{
    /// <summary>The size the first state is expected to be: a LoRA's weights with an Adam optimizer's two moments, for a large SDXL network.</summary>
    public const long FirstStateGuessBytes = 1L << 30;

    /// <summary>Every how many epochs the run uploads its state (each epoch unless the spec says otherwise); 0 for none.</summary>
    public static int EveryNEpochs(TrainingRun run) => run.Spec.RunPolicy?.SaveStateEveryNEpochs ?? 1;

    /// <summary>The state section of the agent's config: the open upload and the state to continue from, presigned; null when the run saves none.</summary>
    public async Task<StatePlan?> PlanAsync(IObjectStore store, TrainingRun run)
    {
        var every = EveryNEpochs(run);
        if (every == 0)
        {
            return null;
        }

        var bucket = run.Spec.Output.S3.Bucket;
        var resume = run.Status?.Resume;
        var upload = resume?.Upload is { } open
            ? await multipart.PresignAsync(store, bucket, new MultipartUploadTarget
            {
                Key = open.Key, UploadId = open.UploadId, PartSize = open.PartSize,
                Parts = [.. Enumerable.Range(1, open.Parts).Select(n => new PartUploadTarget { PartNumber = n })],
            })
            : null;
        var restore = resume is { Epoch: { } epoch, Key: { } key, Bytes: { } bytes, Sha256: { } sha256 }
            ? new SavedStateSource
            {
                Epoch = epoch, Bytes = bytes, Sha256 = sha256,
                Url = (await store.PresignGetAsync(bucket, key, s3.Value.PresignGetExpiry)).AbsoluteUri,
                Epochs = await KeptEpochsAsync(store, run, epoch),
            }
            : null;
        return new StatePlan { EveryNEpochs = every, Upload = upload, Restore = restore };
    }

    /// <summary>
    /// The epochs up to the saved state whose own file an earlier attempt kept (status records its SHA-256), each
    /// presigned with its losses, so that the attempt that continues chooses its result among all the run's epochs.
    /// </summary>
    private async Task<IReadOnlyList<EpochDownload>> KeptEpochsAsync(IObjectStore store, TrainingRun run, int throughEpoch)
    {
        var kept = new List<EpochDownload>();
        foreach (var epoch in run.Status!.Epochs)
        {
            if (EpochSelection.IsKept(epoch) && epoch is { Loss: { } loss, Bytes: { } bytes, Sha256: { } sha256 } && epoch.Epoch <= throughEpoch)
            {
                var file = OutputKeys.Epoch(run.Spec.Output.S3, run.Metadata.Name, epoch.Epoch);
                var url = await store.PresignGetAsync(file.Bucket, file.Key, s3.Value.PresignGetExpiry);
                kept.Add(new EpochDownload { Epoch = epoch.Epoch, Url = url.AbsoluteUri, Bytes = bytes, Sha256 = sha256, Loss = loss, ValidationLoss = epoch.ValidationLoss });
            }
        }

        return kept;
    }

    /// <summary>
    /// Completes a state the agent reported, then opens the next upload when none is open or, once the run has ended,
    /// aborts the one still open so that no parts are left costing storage; the new <c>status.resume</c>, or null when
    /// nothing changed.
    /// </summary>
    /// <exception cref="ObjectStoreException">The store failed in a way worth trying again later.</exception>
    public async Task<ResumeStatus?> AdvanceAsync(IObjectStore store, TrainingRun run, CancellationToken cancellationToken)
    {
        if (!HasWork(run))
        {
            return null;
        }

        var before = run.Status?.Resume;

        var bucket = run.Spec.Output.S3.Bucket;
        var resume = before ?? new ResumeStatus();
        if (resume.Saved is { } saved)
        {
            // Completed even after the run ended: a state reported just before the end is whole in the store.
            resume = await CompleteAsync(store, bucket, resume, saved, cancellationToken);
        }

        if (AbortsUpload(run, resume) && resume.Upload is { } open)
        {
            await PresignedMultipart.AbortAsync(store, new S3Uri(bucket, open.Key), open.UploadId, cancellationToken);
            resume = resume with { Upload = null };
        }
        else if (OpensUpload(run, resume))
        {
            var key = OutputKeys.State(run.Spec.Output.S3, run.Metadata.Name, time.GetUtcNow());
            var started = await multipart.StartAsync(store, key, resume.Bytes ?? FirstStateGuessBytes, cancellationToken);
            resume = resume with { Upload = new StateUploadStatus { Key = key.Key, UploadId = started.UploadId, PartSize = started.PartSize, Parts = started.Parts.Count } };
        }

        return resume == before ? null : resume;
    }

    /// <summary>
    /// Whether <see cref="AdvanceAsync"/> has anything to do: a reported state to complete, an upload to open while the
    /// run saves state, or one to abort once it has ended. Checked before the store (and the Secret naming its
    /// credentials) is touched, since every check of every running run asks.
    /// </summary>
    public static bool HasWork(TrainingRun run) =>
        run.Status?.Resume?.Saved is not null || OpensUpload(run, run.Status?.Resume) || AbortsUpload(run, run.Status?.Resume);

    /// <summary>A run that saves state and goes on needs an upload open for its next state.</summary>
    private static bool OpensUpload(TrainingRun run, ResumeStatus? resume) =>
        resume?.Upload is null && !PhaseMachine.IsTerminal(run) && EveryNEpochs(run) > 0;

    /// <summary>An ended run's open upload would bill its parts until aborted.</summary>
    private static bool AbortsUpload(TrainingRun run, ResumeStatus? resume) =>
        resume?.Upload is not null && PhaseMachine.IsTerminal(run);

    /// <summary>Completes the reported state's upload; false when the store refuses its parts.</summary>
    /// <remarks>
    /// A status write can lose a race with the receiver's (the agent reports on while the store is being called), and
    /// the next pass then completes the same state again. S3 forgets an upload once it is completed and answers
    /// NoSuchUpload, so an upload that is gone while an object of the reported size stands at its key was completed
    /// by that earlier pass, not refused.
    /// </remarks>
    private static async Task<bool> TryCompleteAsync(IObjectStore store, S3Uri target, SavedStateStatus saved, CancellationToken cancellationToken)
    {
        try
        {
            await PresignedMultipart.CompleteAsync(store, target, saved.UploadId,
                [.. saved.Parts.Select(p => new UploadedPartETag { PartNumber = p.PartNumber, ETag = p.ETag })], cancellationToken);
            return true;
        }
        catch (ObjectStoreException ex) when (ex.Kind is ObjectStoreErrorKind.NotFound)
        {
            return await store.HeadAsync(target.Bucket, target.Key, cancellationToken) is { } head && head.Size == saved.Bytes;
        }
        catch (ObjectStoreException ex) when (!ex.IsTransient)
        {
            return false;
        }
    }

    private static async Task<ResumeStatus> CompleteAsync(IObjectStore store, string bucket, ResumeStatus resume, SavedStateStatus saved, CancellationToken cancellationToken)
    {
        var target = new S3Uri(bucket, saved.Key);
        if (!await TryCompleteAsync(store, target, saved, cancellationToken))
        {
            // The store refused the parts: this state is lost, the previous one stays the newest, and a new upload opens.
            await PresignedMultipart.AbortAsync(store, target, saved.UploadId, cancellationToken);
            return resume with { Upload = null, Saved = null };
        }

        if (resume.Key is { } previous && previous != saved.Key)
        {
            await store.DeleteAsync(bucket, previous, cancellationToken);
        }

        return new ResumeStatus { Epoch = saved.Epoch, Key = saved.Key, Bytes = saved.Bytes, Sha256 = saved.Sha256 };
    }
}
