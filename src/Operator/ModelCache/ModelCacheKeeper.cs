using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.ModelCache;

/// <summary>What settling a run's cache files did: the files as they are now, the Events to record, and whether a store outage left some to try again.</summary>
internal sealed record CacheSettlement(IReadOnlyList<ModelFileStatus> Files, IReadOnlyList<CacheNotice> Notices, bool RetryLater);

/// <summary>An Event to record about the cache.</summary>
internal sealed record CacheNotice(bool Warning, string Reason, string Message);

/// <summary>
/// Finishes what the agent reported about the cache, with the run's S3 credential: completes the uploads it filled,
/// aborts those it could not fill or that its attempt left unfinished, and evicts a cached object whose bytes did not
/// have their SHA-256.
/// </summary>
/// <remarks>
/// Each run completes or aborts only the uploads it started, so a run never aborts another's fill of the same file.
/// </remarks>
internal static class ModelCacheKeeper
{
    /// <summary>Whether <paramref name="run"/> has anything to settle.</summary>
    public static bool HasWork(TrainingRun run) => run.Status?.Model?.Files.Any(f => NeedsWork(run, f)) == true;

    /// <summary>Settles each file that needs it; a store failure leaves the file as it was, to try again.</summary>
    public static async Task<CacheSettlement> SettleAsync(TrainingRun run, IObjectStore store, CancellationToken cancellationToken)
    {
        var files = new List<ModelFileStatus>();
        var notices = new List<CacheNotice>();
        var retryLater = false;
        foreach (var file in run.Status!.Model!.Files)
        {
            if (!NeedsWork(run, file))
            {
                files.Add(file);
                continue;
            }

            try
            {
                files.Add(await SettleAsync(run, file, store, notices, cancellationToken).ConfigureAwait(false));
            }
            catch (ObjectStoreException ex)
            {
                files.Add(file);
                notices.Add(new CacheNotice(true, "ModelCacheFailed", $"{file.Name}: {ex.Message}; trying again"));
                retryLater |= ex.IsTransient;
            }
        }

        return new CacheSettlement(files, notices, retryLater);
    }

    private static async Task<ModelFileStatus> SettleAsync(TrainingRun run, ModelFileStatus file, IObjectStore store, List<CacheNotice> notices, CancellationToken cancellationToken)
    {
        var target = S3Uri.Parse(file.CacheUri!);
        switch (file.Cache)
        {
            case ModelCacheStates.Uploaded:
                try
                {
                    await PresignedMultipart.CompleteAsync(store, target, file.UploadId!, [.. file.Parts!.Select(p => new UploadedPartETag { PartNumber = p.PartNumber, ETag = p.ETag })], cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ArgumentException or ObjectStoreException)
                {
                    if (await HoldsFileAsync(store, target, file, cancellationToken).ConfigureAwait(false))
                    {
                        // Completed already: by this run before its status write lost a race with the receiver's, or
                        // the upload is gone and another run's complete object holds the file. The key names it.
                        await PresignedMultipart.AbortAsync(store, target, file.UploadId!, cancellationToken).ConfigureAwait(false);
                        await RecordVersionAsync(run, file, target, store, cancellationToken).ConfigureAwait(false);
                        return file with { Cache = ModelCacheStates.Cached, UploadId = null, Parts = null, CacheError = null };
                    }

                    if (ex is ObjectStoreException { IsTransient: true })
                    {
                        throw;
                    }

                    await PresignedMultipart.AbortAsync(store, target, file.UploadId!, cancellationToken).ConfigureAwait(false);
                    notices.Add(new CacheNotice(true, "ModelCacheFailed", $"{file.Name} could not be stored at {target}: {ex.Message}"));
                    return file with { Cache = ModelCacheStates.Failed, UploadId = null, Parts = null, CacheError = ex.Message };
                }

                await RecordVersionAsync(run, file, target, store, cancellationToken).ConfigureAwait(false);
                notices.Add(new CacheNotice(false, "ModelCached", $"{file.Name} (sha256 {file.Sha256}) cached at {target}"));
                return file with { Cache = ModelCacheStates.Cached, UploadId = null, Parts = null, CacheError = null };
            case ModelCacheStates.Rejected:
                return await EvictAsync(file, target, store, notices, cancellationToken).ConfigureAwait(false);
            default:
                // Failed, or still filling when the attempt ended: its parts would cost storage for nothing.
                await PresignedMultipart.AbortAsync(store, target, file.UploadId!, cancellationToken).ConfigureAwait(false);
                var why = file.Cache == ModelCacheStates.Failed ? file.CacheError ?? "the agent could not send it" : "the attempt ended before the file was sent";
                notices.Add(new CacheNotice(true, "ModelCacheFailed", $"{file.Name} was not cached: {why}"));
                return file with { Cache = ModelCacheStates.Failed, UploadId = null, Parts = null, CacheError = why };
        }
    }

    /// <summary>
    /// Deletes the object the run read, and only that one: another run may have written a good copy to the key since
    /// (a refill completes over it), and that copy stays.
    /// </summary>
    private static async Task<ModelFileStatus> EvictAsync(ModelFileStatus file, S3Uri target, IObjectStore store, List<CacheNotice> notices, CancellationToken cancellationToken)
    {
        if (await store.DeleteIfMatchAsync(target.Bucket, target.Key, file.CacheETag!, cancellationToken).ConfigureAwait(false))
        {
            notices.Add(new CacheNotice(true, "ModelCacheRejected",
                $"{file.Name}: the cached object {target} did not have SHA-256 {file.Sha256}; evicted, and the file was downloaded from its source"));
            return file with { Cache = ModelCacheStates.Evicted, CacheETag = null };
        }

        const string Kept = "the cached object did not have the file's SHA-256 and has been replaced since; the new object is kept";
        notices.Add(new CacheNotice(true, "ModelCacheRejected", $"{file.Name}: {Kept} ({target}); the file was downloaded from its source"));
        return file with { CacheETag = null, CacheError = Kept };
    }

    /// <summary>
    /// Records the Civitai version of a checkpoint whose object is complete now (<see cref="CachedCivitaiVersion"/>),
    /// so that later runs of it are prepared without Civitai; a failure leaves the file to settle again, record and all.
    /// </summary>
    private static async Task RecordVersionAsync(TrainingRun run, ModelFileStatus file, S3Uri target, IObjectStore store, CancellationToken cancellationToken)
    {
        if (file.Argument is not null || run.Spec.BaseModel.Civitai is not { } civitai || file.Sha256 is not { Length: 64 } sha256)
        {
            return;
        }

        var model = run.Status!.Model!;
        var version = new CachedCivitaiVersion(civitai.ModelVersionId, sha256, file.Bytes, file.Name,
            run.Spec.BaseModel.Family is null ? model.Family?.ToWireName() : null, model.Name);
        var record = ModelCacheLocation.Holding(target).RecordOf(civitai.ModelVersionId);
        using var content = new MemoryStream(version.ToJson(), writable: false);
        await store.PutAsync(record.Bucket, record.Key, content, "application/json", null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> HoldsFileAsync(IObjectStore store, S3Uri target, ModelFileStatus file, CancellationToken cancellationToken) =>
        await store.HeadAsync(target.Bucket, target.Key, cancellationToken).ConfigureAwait(false) is { } head
        && CachedObjectMetadata.From(head.Metadata) is { } recorded
        && string.Equals(recorded.Sha256, file.Sha256, StringComparison.OrdinalIgnoreCase);

    private static bool NeedsWork(TrainingRun run, ModelFileStatus file) => file.CacheUri is not null && file.Cache switch
    {
        ModelCacheStates.Uploaded => file.UploadId is not null && file.Parts is { Count: > 0 },
        // The ETag of the object the run read is cleared once that object has been dealt with.
        ModelCacheStates.Rejected => file.CacheETag is not null,
        ModelCacheStates.Failed => file.UploadId is not null,
        ModelCacheStates.Filling => file.UploadId is not null
            && (PhaseMachine.IsTerminal(run) || run.Status?.Phase == TrainingPhase.Stalled || run.Metadata.DeletionTimestamp is not null),
        _ => false,
    };
}
