using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>The base checkpoint: exactly one of a Civitai model version or a plain URL.</summary>
[ExactlyOneOf("civitai", "url")]
[ValidationRule("!has(self.url) || has(self.family)", "family is required when the model comes from a url")]
public sealed record BaseModelSpec
{
    /// <summary>A checkpoint published on Civitai, by model version id.</summary>
    public CivitaiModelSource? Civitai { get; init; }

    /// <summary>A checkpoint at an HTTPS URL, verified by its SHA-256.</summary>
    public UrlModelSource? Url { get; init; }

    /// <summary>The model family. Optional for Civitai models, whose base model tells it; required for URLs.</summary>
    public ModelFamily? Family { get; init; }
}

/// <summary>A Civitai model version.</summary>
public sealed record CivitaiModelSource
{
    /// <summary>The model version id, as in <c>civitai.com/models/…?modelVersionId=128078</c>.</summary>
    [Required]
    [Range(1, long.MaxValue)]
    public long ModelVersionId { get; init; }
}

/// <summary>A checkpoint downloadable from a URL.</summary>
public sealed record UrlModelSource
{
    /// <summary>The HTTPS URL of a single <c>.safetensors</c> checkpoint.</summary>
    [Required]
    [RegularExpression("^https?://.+")]
    [MaxLength(2048)]
    public string Url { get; init; } = "";

    /// <summary>The lowercase hex SHA-256 of the file; the download is refused when it differs.</summary>
    [Required]
    [RegularExpression("^[a-f0-9]{64}$")]
    public string Sha256 { get; init; } = "";
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
