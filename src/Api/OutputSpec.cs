using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>Where the trained LoRA goes.</summary>
public sealed record OutputSpec
{
    /// <summary>The bucket and prefix; the LoRA is written as <c>{prefix}{run name}.safetensors</c>.</summary>
    [Required]
    public S3Location S3 { get; set; } = new();

    /// <summary>
    /// Keep only the lowest-loss epoch (<c>best</c>) or every epoch (<c>all</c>). Defaults to best. A run that saves
    /// state uploads every epoch either way; with <c>best</c> the others are deleted once the run is completed.
    /// </summary>
    public KeepPolicy Keep { get; set; } = KeepPolicy.Best;

    /// <summary>
    /// The epoch whose LoRA the run's canonical key holds, chosen by the user (from its sample images, say) over the
    /// lowest-loss one. Needs <c>keep: all</c>; applied once the run is completed, by a server-side copy verified by SHA-256.
    /// </summary>
    [Range(1, 1000)]
    public int? SelectedEpoch { get; init; }
}

/// <summary>Which epochs are uploaded.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<KeepPolicy>))]
public enum KeepPolicy
{
    /// <summary>Only the epoch with the lowest mean loss.</summary>
    [JsonStringEnumMemberName("best")] Best,

    /// <summary>Every epoch, plus the best one under the run's name.</summary>
    [JsonStringEnumMemberName("all")] All,
}
