using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.ModelCache;

/// <summary>A model with the cache applied: what the agent downloads, and what <c>status.model.files</c> shows.</summary>
internal sealed record CachedModel(ModelSource Source, IReadOnlyList<ModelFileStatus> Files);

/// <summary>
/// Looks up every file of a run's model in its cache before a GPU is rented. A hit is handed to the agent as a
/// presigned GET of the cached object (the source stays as the fallback); a miss gets a multipart upload the agent
/// fills once it has verified the download.
/// </summary>
/// <remarks>
/// A cached object is used only when its recorded SHA-256 is the one the run asks for (and its size, when known);
/// the agent then checks the bytes again. A file without a known SHA-256 is never cached. The cache never stops a run:
/// when the store refuses a lookup or an upload, the file is downloaded from its source as without a cache.
/// Two runs missing the same file each fill their own upload; completing a multipart upload is atomic, so the key only
/// ever names a complete object, whichever completes last.
/// </remarks>
internal sealed class ModelFileCache(
    PresignedMultipart multipart,
    IOptions<ModelCacheOptions> options,
    IOptions<S3Options> s3,
    ILogger<ModelFileCache> logger)
{
    /// <summary>The size planned for a file whose size is not known in advance (Flux's T5-XXL in fp16 is 9.8 GB).</summary>
    internal const long UnknownSizePlan = 32L * 1024 * 1024 * 1024;

    // A record is a few hundred bytes; anything longer is not one.
    private const int MaxRecordBytes = 16 * 1024;

    /// <summary>The run's cache, or null when it caches nothing.</summary>
    public ModelCacheLocation? LocationOf(TrainingRun run) => ModelCacheLocation.For(run.Spec.BaseModel, options.Value.Bucket, options.Value.Prefix);

    /// <summary>
    /// The cache's record of Civitai model version <paramref name="modelVersionId"/>, while the checkpoint it names is
    /// cached and trusted; null otherwise, or when the store refuses (the run then asks Civitai, as without a record).
    /// </summary>
    public async Task<CachedCivitaiVersion?> FindVersionAsync(IObjectStore store, ModelCacheLocation location, long modelVersionId, CancellationToken cancellationToken)
    {
        var record = location.RecordOf(modelVersionId);
        try
        {
            if (CachedCivitaiVersion.Parse(await store.ReadPrefixAsync(record.Bucket, record.Key, MaxRecordBytes, cancellationToken).ConfigureAwait(false)) is not { } version
                || version.ModelVersionId != modelVersionId)
            {
                return null;
            }

            var target = location.ObjectOf(version.Sha256);
            if (await store.HeadAsync(target.Bucket, target.Key, cancellationToken).ConfigureAwait(false) is not { } head || !Trusts(head, version.Sha256, version.Bytes))
            {
                return null;
            }

            ModelCacheLog.VersionFound(logger, modelVersionId, record.ToString());
            return version;
        }
        catch (ObjectStoreException ex) when (ex.Kind == ObjectStoreErrorKind.NotFound)
        {
            return null;
        }
        catch (ObjectStoreException ex)
        {
            ModelCacheLog.VersionUnavailable(logger, modelVersionId, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Those of <paramref name="sha256s"/> whose objects the cache holds and trusts: files that reach the agent from the
    /// cache, so their hosts need not be asked for a link, nor their tokens read. A file the store will not tell about
    /// is left out, to be linked at its source as without a cache.
    /// </summary>
    public async Task<IReadOnlySet<string>> HeldAsync(IObjectStore store, ModelCacheLocation location, IEnumerable<string> sha256s, CancellationToken cancellationToken)
    {
        var held = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var sha256 in sha256s.Where(s => s is { Length: 64 }).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var target = location.ObjectOf(sha256);
            try
            {
                if (await store.HeadAsync(target.Bucket, target.Key, cancellationToken).ConfigureAwait(false) is { } head && Trusts(head, sha256, null))
                {
                    held.Add(sha256);
                }
            }
            catch (ObjectStoreException ex)
            {
                ModelCacheLog.Unavailable(logger, target.ToString(), ex.Message);
            }
        }

        return held;
    }

    /// <summary>Applies the cache at <paramref name="location"/> to every file of <paramref name="source"/>.</summary>
    /// <param name="store">The run's store.</param>
    /// <param name="location">The run's cache.</param>
    /// <param name="spec">The run's model.</param>
    /// <param name="source">What the agent downloads without a cache.</param>
    /// <param name="filling">
    /// The files the attempt's status records, when its config is rebuilt (after a restart): an upload recorded as filling
    /// is kept, since the attempt's agent may be sending it already, rather than a new one opened beside it.
    /// </param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task<CachedModel> ApplyAsync(
        IObjectStore store, ModelCacheLocation location, BaseModelSpec spec, ModelSource source, IReadOnlyList<ModelFileStatus> filling, CancellationToken cancellationToken)
    {
        var checkpoint = await FileAsync(store, location, new CacheCandidate(null, source.FileName, source.Url, source.Authorization, source.Bytes, source.Sha256, SourceOf(spec, null, source.Url)), filling, cancellationToken).ConfigureAwait(false);
        var files = new List<ModelFileStatus> { checkpoint.Status };
        var extras = new List<ModelFile>();
        foreach (var file in source.ExtraFiles)
        {
            var cached = await FileAsync(store, location, new CacheCandidate(file.Argument, file.FileName, file.Url, file.Authorization, file.Bytes, file.Sha256, SourceOf(spec, file.Argument, file.Url)), filling, cancellationToken).ConfigureAwait(false);
            files.Add(cached.Status);
            extras.Add(file with { Url = cached.Url, Authorization = cached.Authorization, Cache = cached.Entry });
        }

        return new CachedModel(source with { Url = checkpoint.Url, Authorization = checkpoint.Authorization, Cache = checkpoint.Entry, ExtraFiles = extras }, files);
    }

    /// <summary>
    /// The attempt's model with fresh URLs: <paramref name="relinked"/> (the sources linked again) with each hit's GET
    /// presigned again and each upload's parts presigned again, so parts already sent stay valid.
    /// </summary>
    public async Task<ModelSource> RelinkAsync(IObjectStore store, ModelCacheLocation? location, ModelSource known, ModelSource relinked)
    {
        if (location is null)
        {
            return relinked;
        }

        var checkpoint = await RelinkFileAsync(store, location, known.Cache, relinked.Url, relinked.Authorization).ConfigureAwait(false);
        var extras = new List<ModelFile>();
        foreach (var file in relinked.ExtraFiles)
        {
            var entry = known.ExtraFiles.FirstOrDefault(f => f.Argument == file.Argument)?.Cache;
            var fresh = await RelinkFileAsync(store, location, entry, file.Url, file.Authorization).ConfigureAwait(false);
            extras.Add(file with { Url = fresh.Url, Authorization = fresh.Authorization, Cache = fresh.Entry });
        }

        return relinked with { Url = checkpoint.Url, Authorization = checkpoint.Authorization, Cache = checkpoint.Entry, ExtraFiles = extras };
    }

    private async Task<CachedFile> FileAsync(
        IObjectStore store, ModelCacheLocation location, CacheCandidate file, IReadOnlyList<ModelFileStatus> filling, CancellationToken cancellationToken)
    {
        var status = new ModelFileStatus { Name = file.FileName, Argument = file.Argument, Sha256 = file.Sha256?.ToLowerInvariant(), Bytes = file.Bytes };
        if (file.Sha256 is not { Length: 64 } sha256)
        {
            return new CachedFile(file.Url, file.Authorization, null, status);
        }

        var target = location.ObjectOf(sha256);
        status = status with { CacheUri = target.ToString() };
        try
        {
            if (filling.FirstOrDefault(f => f.Cache == ModelCacheStates.Filling && f.UploadId is not null && f.CacheUri == status.CacheUri) is { } recorded)
            {
                var resumed = await multipart.ResumeAsync(store, target, recorded.UploadId!, file.Bytes ?? UnknownSizePlan).ConfigureAwait(false);
                return new CachedFile(file.Url, file.Authorization, new ModelCacheEntry { Key = target.Key, Upload = resumed }, recorded);
            }

            var head = await store.HeadAsync(target.Bucket, target.Key, cancellationToken).ConfigureAwait(false);
            if (head is not null && Trusts(head, sha256, file.Bytes))
            {
                ModelCacheLog.Hit(logger, file.FileName, target.ToString());
                var get = await store.PresignGetAsync(target.Bucket, target.Key, s3.Value.PresignGetExpiry).ConfigureAwait(false);
                return new CachedFile(get.AbsoluteUri, null,
                    new ModelCacheEntry { Key = target.Key, Hit = true, Fallback = new ModelDownloadLink { Url = file.Url, Authorization = file.Authorization } },
                    status with { FromCache = true, Cache = ModelCacheStates.Hit, CacheETag = head.ETag, Bytes = file.Bytes ?? head.Size });
            }

            if (head is not null)
            {
                // Refilled below: the completed upload replaces it, carrying the right metadata.
                ModelCacheLog.Mismatch(logger, target.ToString());
            }

            var metadata = new CachedObjectMetadata(sha256.ToLowerInvariant(), file.Bytes, file.FileName, file.Source);
            var upload = await multipart.StartAsync(store, target, file.Bytes ?? UnknownSizePlan, cancellationToken, metadata.ToMetadata()).ConfigureAwait(false);
            ModelCacheLog.Miss(logger, file.FileName, target.ToString());
            return new CachedFile(file.Url, file.Authorization, new ModelCacheEntry { Key = target.Key, Upload = upload },
                status with { Cache = ModelCacheStates.Filling, UploadId = upload.UploadId });
        }
        catch (ObjectStoreException ex)
        {
            ModelCacheLog.Unavailable(logger, file.FileName, ex.Message);
            return new CachedFile(file.Url, file.Authorization, null, status with { Cache = ModelCacheStates.Failed, CacheError = ex.Message });
        }
    }

    private async Task<CachedFile> RelinkFileAsync(IObjectStore store, ModelCacheLocation location, ModelCacheEntry? entry, string url, string? authorization)
    {
        var status = new ModelFileStatus();
        switch (entry)
        {
            case { Hit: true }:
                var get = await store.PresignGetAsync(location.Bucket, entry.Key, s3.Value.PresignGetExpiry).ConfigureAwait(false);
                return new CachedFile(get.AbsoluteUri, null, entry with { Fallback = new ModelDownloadLink { Url = url, Authorization = authorization } }, status);
            case { Upload: { } upload }:
                return new CachedFile(url, authorization, entry with { Upload = await multipart.PresignAsync(store, location.Bucket, upload).ConfigureAwait(false) }, status);
            default:
                return new CachedFile(url, authorization, entry, status);
        }
    }

    /// <summary>Whether a cached object is the file with <paramref name="sha256"/> (and <paramref name="bytes"/>, when known), by what it records.</summary>
    private static bool Trusts(ObjectHead head, string sha256, long? bytes) =>
        CachedObjectMetadata.From(head.Metadata) is { } recorded
        && string.Equals(recorded.Sha256, sha256, StringComparison.OrdinalIgnoreCase) && (bytes is null || bytes == head.Size);

    /// <summary>Where a file comes from, as its cached object records it: the Civitai version, or the spec's URL without its query.</summary>
    private static string SourceOf(BaseModelSpec spec, string? argument, string url) => (argument, spec) switch
    {
        (null, { Civitai: { } civitai }) => $"civitai:model-version/{civitai.ModelVersionId}",
        (null, { Url: { } source }) => CachedObjectMetadata.SourceOf(source.Url),
        ("clip_l", { Flux: { } flux }) => CachedObjectMetadata.SourceOf(flux.ClipL.Url),
        ("t5xxl", { Flux: { } flux }) => CachedObjectMetadata.SourceOf(flux.T5xxl.Url),
        ("ae", { Flux: { } flux }) => CachedObjectMetadata.SourceOf(flux.Ae.Url),
        _ => CachedObjectMetadata.SourceOf(url),
    };

    private sealed record CacheCandidate(string? Argument, string FileName, string Url, string? Authorization, long? Bytes, string? Sha256, string Source);

    private sealed record CachedFile(string Url, string? Authorization, ModelCacheEntry? Entry, ModelFileStatus Status);
}
