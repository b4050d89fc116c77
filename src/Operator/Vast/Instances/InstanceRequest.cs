using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.Vast.Instances;

/// <summary>What to run on a rented GPU: the image, the disk, the label and the two values the agent needs.</summary>
/// <remarks>The instance gets exactly two environment values (Vast caps each at 256 characters). Printing this never shows the token.</remarks>
internal sealed record InstanceRequest
{
    /// <summary>Vast's limit on one environment value.</summary>
    public const int MaxEnvValueLength = 256;

    /// <summary>Vast's limit on the image reference.</summary>
    public const int MaxImageLength = 1024;

    /// <summary>The container image.</summary>
    public required string Image { get; init; }

    /// <summary>Disk in GB; Vast needs at least 8.</summary>
    public required int DiskGb { get; init; }

    /// <summary>The label identifying run and attempt.</summary>
    public required VastInstanceLabel Label { get; init; }

    /// <summary>The run's URL on the receiver.</summary>
    public required Uri RunUrl { get; init; }

    /// <summary>The per-run signing token.</summary>
    public required string RunToken { get; init; }

    /// <summary>For an interruptible instance, what to bid on each offer; null rents on demand.</summary>
    public Offers.BidStrategy? Bid { get; init; }

    /// <summary>Registry login for a private image (<c>-u user -p token registry</c>), if needed.</summary>
    public string? ImageLogin { get; init; }

    /// <summary>The container environment: the run URL and the run token, nothing else.</summary>
    public IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>
    {
        [AgentEnvironment.RunUrl] = RunUrl.ToString(),
        [AgentEnvironment.RunToken] = RunToken,
    };

    /// <summary>Checks Vast's limits; throws <see cref="ArgumentException"/> saying what to fix (never quoting the token).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Image) || Image.Length > MaxImageLength)
            throw new ArgumentException($"The GPU image must be set and at most {MaxImageLength} characters long.", nameof(Image));
        if (DiskGb < 8)
            throw new ArgumentException($"Vast needs at least 8 GB of disk; {DiskGb} GB was asked for.", nameof(DiskGb));
        if (Label.ToString().Length > VastInstanceLabel.MaxLength)
            throw new ArgumentException($"The instance label is longer than Vast's {VastInstanceLabel.MaxLength} characters.", nameof(Label));
        if (!RunUrl.IsAbsoluteUri || RunUrl.ToString().Length > MaxEnvValueLength)
            throw new ArgumentException($"The run URL must be absolute and at most {MaxEnvValueLength} characters (Vast's limit per environment value); it is {RunUrl.ToString().Length}.", nameof(RunUrl));
        if (string.IsNullOrEmpty(RunToken) || RunToken.Length > MaxEnvValueLength)
            throw new ArgumentException($"The run token must be set and at most {MaxEnvValueLength} characters.", nameof(RunToken));
    }

    /// <inheritdoc />
    public override string ToString() => $"InstanceRequest {{ Image = {Image}, DiskGb = {DiskGb}, Label = {Label}, RunUrl = {RunUrl} }}";
}
