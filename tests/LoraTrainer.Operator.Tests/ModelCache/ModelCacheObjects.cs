using LoraTrainer.Operator.Tests.Storage;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.ModelCache;

/// <summary>Model caches on s3rver, and cached objects written as a completed cache upload leaves them.</summary>
internal static class ModelCacheObjects
{
    /// <summary>A cache in a bucket of its own, with the store that reaches it.</summary>
    public static async Task<(IObjectStore Store, ModelCacheLocation Location)> NewCacheAsync(S3rverServer s3, CancellationToken cancellationToken)
    {
        var bucket = await s3.NewBucketAsync(cancellationToken);
        return (S3rverStores.Factory(S3rverStores.Options(s3)).Create(S3rverStores.Credentials), new ModelCacheLocation(bucket, "base-models"));
    }

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
