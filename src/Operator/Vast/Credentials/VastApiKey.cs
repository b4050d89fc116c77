namespace LoraTrainer.Operator.Vast.Credentials;

/// <summary>A Vast API key and where it came from; printing it shows only the source.</summary>
/// <param name="value">The key itself.</param>
/// <param name="source">Where the key came from, named in error messages, e.g. <c>secret ml-team/vast</c>.</param>
internal sealed class VastApiKey(string value, string source)
{
    /// <summary>The key itself; only the authentication handler reads it.</summary>
    public string Value { get; } = value;

    /// <summary>Where the key came from, e.g. <c>secret ml-team/vast</c>.</summary>
    public string Source { get; } = source;

    /// <inheritdoc />
    public override string ToString() => $"Vast API key from {Source}";
}
