using LoraTrainer.Operator.ModelCache;

namespace LoraTrainer.Operator.Tests.ModelCache;

/// <summary>Writes cached objects as a completed cache upload leaves them.</summary>
internal static class ModelCacheObjects
{
    /// <summary>Caches <paramref name="content"/> under <paramref name="sha256"/>, recording <paramref name="recordedSha256"/> (the key's, by default); returns its head.</summary>
    public static async Task<ObjectHead> PutAsync(
        IObjectStore store, ModelCacheLocation location, byte[] content, string sha256, CancellationToken cancellationToken, string? recordedSha256 = null)
    {
        var target = location.ObjectOf(sha256);
        var metadata = new CachedObjectMetadata(recordedSha256 ?? sha256, content.Length, "sdxl.safetensors", "civitai:model-version/128078").ToMetadata();
        var upload = await store.StartMultipartUploadAsync(target.Bucket, target.Key, null, metadata, cancellationToken);
        var etag = await upload.UploadPartAsync(1, content, content.Length, cancellationToken);
        await upload.CompleteAsync([new UploadedPart(1, etag)], cancellationToken);
        return (await store.HeadAsync(target.Bucket, target.Key, cancellationToken))!;
    }
}
