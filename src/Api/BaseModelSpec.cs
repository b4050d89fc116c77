using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>The base checkpoint: exactly one of a Civitai model version or a plain URL.</summary>
[ExactlyOneOf("civitai", "url")]
[ValidationRule("!has(self.url) || has(self.family)", "family is required when the model comes from a url")]
[ValidationRule("!has(self.flux) || !has(self.family) || self.family == 'flux'", "flux files are only for family flux")]
public sealed record BaseModelSpec
{
    /// <summary>A checkpoint published on Civitai, by model version id.</summary>
    public CivitaiModelSource? Civitai { get; init; }

    /// <summary>A checkpoint at an HTTPS URL, verified by its SHA-256.</summary>
    public UrlModelSource? Url { get; init; }

    /// <summary>The model family. Optional for Civitai models, whose base model tells it; required for URLs.</summary>
    public ModelFamily? Family { get; init; }

    /// <summary>The text encoders and autoencoder a Flux model trains with; required for Flux, refused for the others.</summary>
    public FluxFilesSpec? Flux { get; init; }

    /// <summary>Where this run caches its model files, over the operator's <c>ModelCache</c> setting; absent uses that setting.</summary>
    public ModelCacheSpec? Cache { get; init; }
}

/// <summary>
/// The model cache: an S3 prefix where each model file is kept once under <c>&lt;prefix&gt;/sha256/&lt;hex&gt;</c>,
/// written with the run's S3 credential. A run whose files are all there downloads none of them from their source.
/// </summary>
public sealed record ModelCacheSpec
{
    /// <summary>False turns the cache off for this run, whatever the operator's setting. Defaults to true.</summary>
    public bool? Enabled { get; init; }

    /// <summary>The cache bucket; absent uses the operator's <c>ModelCache:Bucket</c>.</summary>
    [RegularExpression("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    public string? Bucket { get; init; }

    /// <summary>The key prefix in the bucket, without a trailing slash; absent uses the operator's <c>ModelCache:Prefix</c>.</summary>
    [StringLength(512)]
    public string? Prefix { get; init; }
}

/// <summary>The three files <c>flux_train_network.py</c> needs besides the transformer checkpoint, each a single <c>.safetensors</c>.</summary>
public sealed record FluxFilesSpec
{
    /// <summary>The CLIP-L text encoder (<c>--clip_l</c>), e.g. <c>clip_l.safetensors</c>.</summary>
    [Required]
    public UrlModelSource ClipL { get; set; } = new();

    /// <summary>The T5-XXL text encoder (<c>--t5xxl</c>), fp16 or fp8, e.g. <c>t5xxl_fp16.safetensors</c>.</summary>
    [Required]
    public UrlModelSource T5xxl { get; set; } = new();

    /// <summary>The autoencoder (<c>--ae</c>), <c>ae.safetensors</c> from the FLUX.1 repository.</summary>
    [Required]
    public UrlModelSource Ae { get; set; } = new();
}

/// <summary>A Civitai model version.</summary>
public sealed record CivitaiModelSource
{
    /// <summary>The model version id, as in <c>civitai.com/models/…?modelVersionId=128078</c>.</summary>
    [Required]
    [Range(1, long.MaxValue)]
    public long ModelVersionId { get; init; }
}

/// <summary>A model file downloadable from a URL.</summary>
public sealed record UrlModelSource
{
    /// <summary>The HTTPS URL of a single <c>.safetensors</c> file.</summary>
    [Required]
    [RegularExpression("^https?://.+")]
    [StringLength(2048)]
    public string Url { get; set; } = "";

    /// <summary>The lowercase hex SHA-256 of the file; the download is refused when it differs.</summary>
    [Required]
    [RegularExpression("^[a-f0-9]{64}$")]
    public string Sha256 { get; set; } = "";

    /// <summary>
    /// A Secret key holding a bearer token for the download (default key <c>token</c>), e.g. a Hugging Face token for a
    /// gated repository. The operator fetches the file's signed download link with it, so the token stays in the cluster.
    /// </summary>
    public SecretReference? TokenSecretRef { get; init; }
}

/// <summary>A Stable Diffusion model family; it decides the training script and the defaults.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ModelFamily>))]
public enum ModelFamily
{
    /// <summary>Stable Diffusion 1.5 and its fine-tunes.</summary>
    [JsonStringEnumMemberName("sd15")] Sd15,

    /// <summary>SDXL and its fine-tunes (Pony, Illustrious).</summary>
    [JsonStringEnumMemberName("sdxl")] Sdxl,

    /// <summary>Flux.1.</summary>
    [JsonStringEnumMemberName("flux")] Flux,
}

/// <summary>Names of <see cref="ModelFamily"/> values.</summary>
public static class ModelFamilies
{
    /// <summary>The family as the CRD and the agent protocol spell it: <c>sd15</c>, <c>sdxl</c> or <c>flux</c>.</summary>
    public static string ToWireName(this ModelFamily family) => family switch
    {
        ModelFamily.Sd15 => "sd15",
        ModelFamily.Sdxl => "sdxl",
        ModelFamily.Flux => "flux",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, null),
    };
}
