using System.Runtime.CompilerServices;

namespace LoraTrainer.Storage.ModelCache;

/// <summary>A model file in the cache, as <c>kubectl lora</c> lists it.</summary>
/// <param name="Object">The cached object.</param>
/// <param name="Sha256">The SHA-256 it is cached under.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Name">The file's original name.</param>
/// <param name="Source">Where it was downloaded from (a Civitai version, or a URL without its query).</param>
/// <param name="Trusted">Whether its recorded SHA-256 is the one its key names, so a run would use it.</param>
internal sealed record CachedModelFile(S3Uri Object, string Sha256, long Bytes, string Name, string Source, bool Trusted);

/// <summary>Lists the files of a model cache with what each object records about itself.</summary>
internal static class ModelCacheListing
{
    /// <summary>Every object under <paramref name="location"/>'s <c>sha256/</c> prefix, in key order, with its metadata (one HEAD each).</summary>
    public static async IAsyncEnumerable<CachedModelFile> ListAsync(IObjectStore store, ModelCacheLocation location, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in store.ListAsync(location.Bucket, location.KeyPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (!IsCachedFile(location, item.Key) || await store.HeadAsync(location.Bucket, item.Key, cancellationToken).ConfigureAwait(false) is not { } head)
            {
                continue;
            }

            yield return Describe(location, item.Key, head.Size, head.Metadata);
        }
    }

    /// <summary>Whether <paramref name="key"/>, listed under the cache's prefix, is a cached file rather than something nested below it.</summary>
    public static bool IsCachedFile(ModelCacheLocation location, string key) =>
        key.StartsWith(location.KeyPrefix, StringComparison.Ordinal) && !key.AsSpan(location.KeyPrefix.Length).Contains('/');

    /// <summary>A cached object as listed, from its key, size and user metadata.</summary>
    public static CachedModelFile Describe(ModelCacheLocation location, string key, long size, IReadOnlyDictionary<string, string> metadata)
    {
        var sha256 = key[location.KeyPrefix.Length..];
        var recorded = CachedObjectMetadata.From(metadata);
        return new CachedModelFile(new S3Uri(location.Bucket, key), sha256, size, recorded?.Name ?? "", recorded?.Source ?? "",
            recorded is not null && string.Equals(recorded.Sha256, sha256, StringComparison.OrdinalIgnoreCase));
    }
}
