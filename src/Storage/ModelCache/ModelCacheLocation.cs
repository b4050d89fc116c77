using LoraTrainer.Api;

namespace LoraTrainer.Storage.ModelCache;

/// <summary>A model cache: a bucket and a prefix under which each file is the object <c>&lt;prefix&gt;/sha256/&lt;hex&gt;</c>.</summary>
internal sealed record ModelCacheLocation(string Bucket, string Prefix)
{
    /// <summary>The object a file with SHA-256 <paramref name="sha256"/> is cached as.</summary>
    public S3Uri ObjectOf(string sha256) => new(Bucket, $"{KeyPrefix}{sha256.ToLowerInvariant()}");

    /// <summary>Every cached object's key starts with this.</summary>
    public string KeyPrefix => Prefix.Length == 0 ? "sha256/" : $"{Prefix.TrimEnd('/')}/sha256/";

    /// <summary>
    /// The run's cache: its own <c>spec.baseModel.cache</c> over the operator's <paramref name="bucket"/> and
    /// <paramref name="prefix"/>; null when it caches nothing.
    /// </summary>
    public static ModelCacheLocation? For(BaseModelSpec spec, string? bucket, string prefix)
    {
        if (spec.Cache?.Enabled == false || (spec.Cache?.Bucket ?? bucket) is not { Length: > 0 } cacheBucket)
        {
            return null;
        }

        return new ModelCacheLocation(cacheBucket, (spec.Cache?.Prefix ?? prefix).Trim('/'));
    }
}
