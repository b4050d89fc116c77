using LoraTrainer.Api;
using LoraTrainer.Operator.ModelCache;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class RunPreparation
{
    /// <summary>Settles the run's model cache files (see <see cref="ModelCacheKeeper"/>) with the run's S3 credential; null when there was nothing to do or no credential.</summary>
    public async Task<CacheSettlement?> SettleCacheAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (!ModelCacheKeeper.HasWork(run) || await StoreOfAsync(run, cancellationToken).ConfigureAwait(false) is not { } store)
        {
            return null;
        }

        return await ModelCacheKeeper.SettleAsync(run, store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Aborts the cache uploads of an earlier preparation that <paramref name="next"/> replaces (a run waiting for an
    /// offer is prepared again once its URLs age), so that no upload is left that nobody will complete.
    /// </summary>
    public async Task AbortReplacedCacheUploadsAsync(TrainingRun run, ModelStatus next, CancellationToken cancellationToken)
    {
        var replaced = (run.Status?.Model?.Files ?? [])
            .Where(f => f.Cache == ModelCacheStates.Filling && f.UploadId is not null && f.CacheUri is not null && next.Files.All(n => n.UploadId != f.UploadId))
            .ToList();
        if (replaced.Count == 0 || await StoreOfAsync(run, cancellationToken).ConfigureAwait(false) is not { } store)
        {
            return;
        }

        foreach (var file in replaced)
        {
            try
            {
                await PresignedMultipart.AbortAsync(store, S3Uri.Parse(file.CacheUri!), file.UploadId!, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectStoreException)
            {
                // Left to the bucket's lifecycle rule for incomplete multipart uploads (docs/model-cache.md).
            }
        }
    }

    private async Task<IObjectStore?> StoreOfAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var (creds, _) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        return creds is null ? null : stores.Create(creds.S3);
    }
}
