using System.ComponentModel.DataAnnotations;

namespace LoraTrainer.Api;

/// <summary>Training images in S3, with optional same-named <c>.txt</c> captions.</summary>
public sealed record DatasetSpec
{
    /// <summary>Where the images are.</summary>
    [Required]
    public S3Location S3 { get; set; } = new();

    /// <summary>The token the LoRA learns to respond to, e.g. <c>ohwx</c>.</summary>
    [RegularExpression(@"^\S+$")]
    [StringLength(64)]
    public string? TriggerWord { get; init; }

    /// <summary>The class the subject belongs to, e.g. <c>woman</c>; used as the caption of images without one.</summary>
    [StringLength(256)]
    public string? ClassTokens { get; init; }

    /// <summary>How many times each image is seen per epoch. Defaults to 10.</summary>
    [Range(1, 1000)]
    public int Repeats { get; set; } = 10;

    /// <summary>Training resolution in pixels. Defaults to the family's native resolution (512 for SD 1.5, 1024 otherwise).</summary>
    [Range(256, 2048)]
    public int? Resolution { get; init; }

    /// <summary>Write a caption (trigger word and class tokens) for images that have none. Defaults to true.</summary>
    public bool GenerateMissingCaptions { get; set; } = true;
}

/// <summary>A bucket and key prefix in an S3-compatible store.</summary>
public sealed record S3Location
{
    /// <summary>The bucket name.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    public string Bucket { get; set; } = "";

    /// <summary>The key prefix, e.g. <c>people/anna/</c>. Empty means the whole bucket.</summary>
    [StringLength(1024)]
    public string Prefix { get; set; } = "";
}
