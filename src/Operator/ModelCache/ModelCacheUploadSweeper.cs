using LoraTrainer.Api;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.ModelCache;

/// <summary>
/// At start-up, aborts the multipart uploads under the operator's model cache (<see cref="ModelCacheOptions.Bucket"/>)
/// that no run's status names and that are older than <see cref="ModelCacheOptions.AbortUnrecordedUploadsAfter"/>.
/// </summary>
/// <remarks>
/// A run records each cache upload it opens in <c>status.model.files[].uploadId</c>, and completes or aborts every
/// upload it recorded. One opened just before the operator stopped never reached status: nobody will complete it, and
/// its parts cost storage until the bucket's lifecycle rule takes them. The sweep waits for the informer's first list,
/// so every live run's uploads are known; an upload younger than the threshold is spared, since a run being prepared
/// right now may not have recorded it yet. It reads the cache with the operator's own S3 credential; caches that only
/// runs name (<c>spec.baseModel.cache</c>) are left to their lifecycle rules. A failure is logged and not retried.
/// </remarks>
internal sealed class ModelCacheUploadSweeper(
    Informer<TrainingRun> runs,
    IObjectStoreFactory stores,
    IOptions<ModelCacheOptions> options,
    TimeProvider time,
    ILogger<ModelCacheUploadSweeper> logger) : BackgroundService
{
    /// <summary>Whether <paramref name="upload"/> is one nobody will finish: no run records it, and it is older than <paramref name="after"/>.</summary>
    public static bool IsUnrecorded(PendingUpload upload, IReadOnlySet<string> recorded, DateTimeOffset now, TimeSpan after) =>
        !recorded.Contains(upload.UploadId) && now - upload.Initiated >= after;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Bucket is not { } bucket)
        {
            return;
        }

        await runs.Synced.WaitAsync(stoppingToken).ConfigureAwait(false);
        var location = new ModelCacheLocation(bucket, options.Value.Prefix.Trim('/'));
        try
        {
            await SweepAsync(location, stoppingToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex)
        {
            ModelCacheLog.UploadSweepFailed(logger, $"s3://{location.Bucket}/{location.KeyPrefix}", ex.Message);
        }
    }

    private async Task SweepAsync(ModelCacheLocation location, CancellationToken cancellationToken)
    {
        var recorded = runs.List().SelectMany(r => r.Status?.Model?.Files ?? []).Select(f => f.UploadId).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var store = stores.Create();
        var now = time.GetUtcNow();
        await foreach (var upload in store.ListMultipartUploadsAsync(location.Bucket, location.KeyPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (IsUnrecorded(upload, recorded, now, options.Value.AbortUnrecordedUploadsAfter))
            {
                var target = new S3Uri(location.Bucket, upload.Key);
                await PresignedMultipart.AbortAsync(store, target, upload.UploadId, cancellationToken).ConfigureAwait(false);
                ModelCacheLog.UnrecordedUploadAborted(logger, target.ToString(), upload.Initiated);
            }
        }
    }
}
