using System.ComponentModel.DataAnnotations;

namespace LoraTrainer.Api;

/// <summary>Per-run credentials, each a Secret in the run's namespace.</summary>
public sealed record CredentialsSpec
{
    /// <summary>Secret holding the Vast.ai API key (key <c>apiKey</c>, or the reference's <c>key</c>).</summary>
    public SecretReference? Vast { get; init; }

    /// <summary>Secret holding the Civitai API key (key <c>apiKey</c>, or the reference's <c>key</c>).</summary>
    public SecretReference? Civitai { get; init; }

    /// <summary>Secret holding S3 credentials, always under the keys <c>accessKeyId</c> and <c>secretAccessKey</c> (the reference's <c>key</c> is not used).</summary>
    public SecretReference? S3 { get; init; }
}

/// <summary>A reference to a Secret in the run's namespace.</summary>
public sealed record SecretReference
{
    /// <summary>The Secret's name.</summary>
    [Required]
    [RegularExpression("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    [StringLength(253)]
    public string Name { get; set; } = "";

    /// <summary>The key within the Secret holding a single value (an API key or token); defaults to the key named for each use.</summary>
    [StringLength(253)]
    public string? Key { get; init; }
}
