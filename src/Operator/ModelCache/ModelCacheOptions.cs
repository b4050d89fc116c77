using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.ModelCache;

/// <summary>Where base-model files are cached (section <c>ModelCache</c>); a run may name another place or opt out in <c>spec.baseModel.cache</c>.</summary>
internal sealed class ModelCacheOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "ModelCache";

    /// <summary>
    /// The bucket that caches model files, written and read with each run's S3 credential. Unset by default: runs cache
    /// only when they name a bucket themselves.
    /// </summary>
    [RegularExpression("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", ErrorMessage = "ModelCache:Bucket must be an S3 bucket name (3–63 lowercase letters, digits, dots and hyphens).")]
    public string? Bucket { get; set; }

    /// <summary>The key prefix in the bucket, without a leading or trailing slash. Defaults to <c>models</c>.</summary>
    [RegularExpression("^$|^[^/].{0,510}[^/]$|^[^/]$", ErrorMessage = "ModelCache:Prefix must not start or end with a slash.")]
    public string Prefix { get; set; } = "models";

    /// <summary>
    /// How old a multipart upload under the cache's prefix must be for the operator to abort it at start-up when no
    /// run's status names it: a fill opened just before the operator stopped. Defaults to 1 hour; at least 1 minute, so
    /// that an upload a run is recording right now is spared.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Checked by the generated ModelCacheOptionsAttributeValidator, which does not build the attribute through its type converter.")]
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00", ErrorMessage = "ModelCache:AbortUnrecordedUploadsAfter must be between 1 minute and 3650 days, written like 01:00:00.")]
    public TimeSpan AbortUnrecordedUploadsAfter { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Checks <see cref="ModelCacheOptions"/> against its attributes with code generated at build time: the operator is published as Native AOT, where the reflection-based data-annotations validation cannot run.</summary>
[OptionsValidator]
internal sealed partial class ModelCacheOptionsAttributeValidator : IValidateOptions<ModelCacheOptions>;
