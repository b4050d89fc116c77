using LoraTrainer.Api;

namespace LoraTrainer.Storage.ModelCache;

/// <summary>A model cache: a bucket and a prefix under which each file is the object <c>&lt;prefix&gt;/sha256/&lt;hex&gt;</c>.</summary>
internal sealed record ModelCacheLocation(string Bucket, string Prefix)
{
    /// <summary>The object a file with SHA-256 <paramref name="sha256"/> is cached as.</summary>
    public S3Uri ObjectOf(string sha256) => new(Bucket, $"{KeyPrefix}{sha256.ToLowerInvariant()}");

    /// <summary>Every cached object's key starts with this.</summary>
    public string KeyPrefix => $"{Root}sha256/";

    /// <summary>The object that records Civitai model version <paramref name="modelVersionId"/> (<see cref="CachedCivitaiVersion"/>).</summary>
    public S3Uri RecordOf(long modelVersionId) => new(Bucket, $"{Root}civitai/model-version/{modelVersionId.ToString(System.Globalization.CultureInfo.InvariantCulture)}.json");

    private string Root => Prefix.Length == 0 ? "" : $"{Prefix.TrimEnd('/')}/";

    /// <summary>The cache that holds <paramref name="cachedObject"/>, an object named by <see cref="ObjectOf"/>.</summary>
    public static ModelCacheLocation Holding(S3Uri cachedObject)
    {
        var key = cachedObject.Key;
        var at = key.LastIndexOf("sha256/", StringComparison.Ordinal);
        return new ModelCacheLocation(cachedObject.Bucket, at <= 0 ? "" : key[..(at - 1)]);
    }

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
