using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace LoraTrainer.Api;

/// <summary>
/// Sample images rendered by sd-scripts at chosen epochs, so that the user can see what each epoch draws (loss alone
/// tells little about a diffusion LoRA's quality) and choose the epoch with <c>spec.output.selectedEpoch</c>.
/// </summary>
/// <remarks>Every field but the prompts has a per-family default (<see cref="SampleDefaults"/>).</remarks>
public sealed record SamplesSpec
{
    /// <summary>The prompts, rendered in this order at every sampled epoch; at most 8.</summary>
    [Required]
    [ItemCount(1, SampleDefaults.MaxPrompts)]
    public IReadOnlyList<SamplePromptSpec> Prompts { get; set; } = [];

    /// <summary>Render the prompts after every this many epochs (the last epoch is always among them when it divides). Defaults to 1.</summary>
    [Range(1, 1000)]
    public int EveryNEpochs { get; set; } = 1;

    /// <summary>Also render the prompts before training starts (epoch 0), a baseline of what the base model draws. Defaults to false.</summary>
    public bool AtFirst { get; init; }

    /// <summary>The sampler (<c>--sample_sampler</c>). Defaults to <c>euler_a</c> for SD 1.5 and SDXL; Flux samples with its own sampler and ignores it.</summary>
    public SampleSampler? Sampler { get; init; }
}

/// <summary>One sample prompt; unset values take the family defaults.</summary>
[ValidationRule("!has(self.width) || self.width % 64 == 0", "width must be a multiple of 64")]
[ValidationRule("!has(self.height) || self.height % 64 == 0", "height must be a multiple of 64")]
[ValidationRule("!has(self.prompt) || !self.prompt.contains(' --')", "prompt must not contain ' --', which sd-scripts reads as the start of an option")]
[ValidationRule("!has(self.negativePrompt) || !self.negativePrompt.contains(' --')", "negativePrompt must not contain ' --', which sd-scripts reads as the start of an option")]
public sealed record SamplePromptSpec
{
    /// <summary>What to draw. Defaults to the dataset's trigger word and class tokens, e.g. <c>ohwx woman</c>.</summary>
    [StringLength(1000)]
    [RegularExpression(@"^[^\r\n]*$")]
    public string? Prompt { get; init; }

    /// <summary>What not to draw (<c>--n</c>).</summary>
    [StringLength(1000)]
    [RegularExpression(@"^[^\r\n]*$")]
    public string? NegativePrompt { get; init; }

    /// <summary>The noise seed (<c>--d</c>), the same at every epoch so that epochs differ only by what they learned. Defaults to the training seed plus the prompt's index.</summary>
    [Range(0, int.MaxValue)]
    public int? Seed { get; init; }

    /// <summary>Width in pixels (<c>--w</c>), a multiple of 64 within the family's sizes (SD 1.5: 256–1024, SDXL: 512–2048, Flux: 256–2048). Defaults to the training resolution.</summary>
    [Range(256, 2048)]
    public int? Width { get; init; }

    /// <summary>Height in pixels (<c>--h</c>), as <see cref="Width"/>. Defaults to the training resolution.</summary>
    [Range(256, 2048)]
    public int? Height { get; init; }

    /// <summary>Denoising steps (<c>--s</c>). Defaults to 28 (Flux: 20).</summary>
    [Range(1, 150)]
    public int? Steps { get; init; }

    /// <summary>Classifier-free guidance scale (<c>--l</c>). Defaults to 7 (Flux: 1).</summary>
    [Range(0.0, 30.0)]
    public double? CfgScale { get; init; }
}

/// <summary>The samplers sd-scripts' <c>--sample_sampler</c> takes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SampleSampler>))]
public enum SampleSampler
{
    /// <summary>DDIM.</summary>
    [JsonStringEnumMemberName("ddim")] Ddim,
    /// <summary>PNDM.</summary>
    [JsonStringEnumMemberName("pndm")] Pndm,
    /// <summary>LMS.</summary>
    [JsonStringEnumMemberName("lms")] Lms,
    /// <summary>Euler.</summary>
    [JsonStringEnumMemberName("euler")] Euler,
    /// <summary>Euler ancestral.</summary>
    [JsonStringEnumMemberName("euler_a")] EulerA,
    /// <summary>Heun.</summary>
    [JsonStringEnumMemberName("heun")] Heun,
    /// <summary>DPM2.</summary>
    [JsonStringEnumMemberName("dpm_2")] Dpm2,
    /// <summary>DPM2 ancestral.</summary>
    [JsonStringEnumMemberName("dpm_2_a")] Dpm2A,
    /// <summary>DPM-Solver.</summary>
    [JsonStringEnumMemberName("dpmsolver")] DpmSolver,
    /// <summary>DPM-Solver++.</summary>
    [JsonStringEnumMemberName("dpmsolver++")] DpmSolverPlusPlus,
    /// <summary>DPM single-step.</summary>
    [JsonStringEnumMemberName("dpmsingle")] DpmSingle,
}
