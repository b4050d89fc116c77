namespace LoraTrainer.Protocol;

/// <summary>
/// The sample images the agent has sd-scripts render (<c>--sample_prompts</c>, <c>--sample_every_n_epochs</c>,
/// <c>--sample_at_first</c>, <c>--sample_sampler</c>) and uploads to <see cref="OutputTargets.Samples"/>.
/// </summary>
/// <remarks>Added within v1: an older agent ignores it and renders nothing; an operator leaves it out when the run has no samples.</remarks>
public sealed record SamplePlan
{
    /// <summary>The prompts, in order; a prompt's index names its images.</summary>
    public IReadOnlyList<SamplePrompt> Prompts { get; set; } = [];
    /// <summary>Render after every this many epochs. Defaults to 1.</summary>
    public int EveryNEpochs { get; set; } = 1;
    /// <summary>Also render before training, as epoch 0.</summary>
    public bool AtFirst { get; init; }
    /// <summary>sd-scripts' sampler name, e.g. <c>euler_a</c>.</summary>
    public string Sampler { get; set; } = "euler_a";

    /// <summary>The epochs rendered in a run of <paramref name="totalEpochs"/>: 0 with <see cref="AtFirst"/>, then every <see cref="EveryNEpochs"/>-th.</summary>
    public IReadOnlyList<int> SampledEpochs(int totalEpochs) =>
        [.. (AtFirst ? [0] : Array.Empty<int>()), .. Enumerable.Range(1, Math.Max(0, totalEpochs)).Where(e => e % Math.Max(1, EveryNEpochs) == 0)];
}

/// <summary>One sample prompt with every value decided.</summary>
public sealed record SamplePrompt
{
    /// <summary>What to draw.</summary>
    public string Prompt { get; set; } = "";
    /// <summary>What not to draw (<c>--n</c>).</summary>
    public string? NegativePrompt { get; init; }
    /// <summary>The seed (<c>--d</c>).</summary>
    public int Seed { get; init; }
    /// <summary>Width in pixels (<c>--w</c>).</summary>
    public int Width { get; init; }
    /// <summary>Height in pixels (<c>--h</c>).</summary>
    public int Height { get; init; }
    /// <summary>Denoising steps (<c>--s</c>).</summary>
    public int Steps { get; init; }
    /// <summary>Guidance scale (<c>--l</c>).</summary>
    public double CfgScale { get; init; }
}

/// <summary>A presigned PUT for one sample image: one epoch, one prompt.</summary>
public sealed record SampleUploadTarget
{
    /// <summary>The epoch (0 for the baseline before training).</summary>
    public int Epoch { get; init; }
    /// <summary>The prompt's index.</summary>
    public int Prompt { get; init; }
    /// <summary>Presigned PUT URL.</summary>
    public string Url { get; set; } = "";
    /// <summary>The object key it writes.</summary>
    public string Key { get; set; } = "";
}

/// <summary>One sample image in a <c>samplesUploaded</c> event: uploaded (key, bytes, sha256) or failed (error).</summary>
public sealed record SampleImage
{
    /// <summary>The prompt's index.</summary>
    public int Prompt { get; init; }
    /// <summary>The object key written; absent when the image failed.</summary>
    public string? Key { get; init; }
    /// <summary>Size of the PNG in bytes.</summary>
    public long? Bytes { get; init; }
    /// <summary>Lowercase hex SHA-256 of the PNG.</summary>
    public string? Sha256 { get; init; }
    /// <summary>Why the image is missing: not rendered, not a PNG, or not uploaded. The run goes on.</summary>
    public string? Error { get; init; }
}
