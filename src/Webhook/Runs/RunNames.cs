using System.Text.RegularExpressions;
using LoraTrainer.Api;

namespace LoraTrainer.Webhook.Runs;

/// <summary>Whether a request's namespace and name could name a TrainingRun at all; a pure function.</summary>
/// <remarks>
/// Checked before any Kubernetes call, so made-up paths cost the API server nothing. A namespace is an RFC 1123
/// label (at most 63 characters); a run's name is an RFC 1123 subdomain short enough that its Secret's name
/// (<c>{name}-agent</c>) is one too.
/// </remarks>
internal static partial class RunNames
{
    private const int MaxNamespaceLength = 63;
    private static readonly int MaxNameLength = 253 - RunSecret.NameFor("").Length;

    /// <summary>True when both could exist in a cluster.</summary>
    public static bool AreValid(string? @namespace, string? name) =>
        @namespace is { Length: > 0 and <= MaxNamespaceLength } && Label().IsMatch(@namespace)
        && name is { Length: > 0 } && name.Length <= MaxNameLength && Subdomain().IsMatch(name);

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Subdomain();
}
