using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Models;

/// <summary>How the operator reaches Civitai (section <c>Civitai</c>).</summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The TimeSpan ranges are checked by the generated CivitaiOptionsAttributeValidator, which does not build the attributes through their type converter.")]
internal sealed class CivitaiOptions
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "Civitai";

    /// <summary>Civitai's base URL. Defaults to <c>https://civitai.com</c>.</summary>
    [Required]
    [Url]
    public string BaseUrl { get; set; } = "https://civitai.com";

    /// <summary>Operator-wide API key, used when a run names no Secret of its own. Unset by default.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Retries of a 429, 5xx or network failure before the run is told to wait. Defaults to 3.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay, doubled each retry (with jitter); a Retry-After header wins. Defaults to 2 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed for one attempt. Defaults to 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks <see cref="CivitaiOptions"/> against its attributes with code generated at build time: the operator is published as Native AOT, where the reflection-based data-annotations validation cannot run.</summary>
[OptionsValidator]
internal sealed partial class CivitaiOptionsAttributeValidator : IValidateOptions<CivitaiOptions>;
