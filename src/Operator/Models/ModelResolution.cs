using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.Models;

/// <summary>What became of resolving a base model.</summary>
internal enum ModelResolutionOutcome
{
    /// <summary>The model is known and downloadable.</summary>
    Resolved,
    /// <summary>Only the user can fix it (version id, key, family, file format): retrying will not help.</summary>
    NeedsUserAction,
    /// <summary>Civitai is throttling or failing; try again later.</summary>
    RetryLater,
}

/// <summary>How the agent is allowed to download the checkpoint.</summary>
internal enum DownloadAccess
{
    /// <summary>A short-lived signed file URL the operator obtained by following Civitai's redirect; no key leaves the cluster.</summary>
    SignedUrl,
    /// <summary>Civitai's download URL with the API key in the Authorization header (the redirect could not be followed).</summary>
    ApiKey,
    /// <summary>Civitai's download URL with no key at all (no key is configured).</summary>
    Anonymous,
}

/// <summary>The outcome of resolving a model version: what to show in status and what to hand the agent.</summary>
/// <param name="Outcome">Whether it worked.</param>
/// <param name="Message">Why not, for <c>status.message</c>; null when resolved.</param>
/// <param name="Status">What to write to <c>status.model</c>.</param>
/// <param name="Source">What the agent downloads; its URL or Authorization may be secret.</param>
/// <param name="Access">How the download is authorised.</param>
/// <param name="Origin">Civitai's own download URL, which <see cref="CivitaiModelResolver.RelinkAsync"/> links again for a fresh signed URL; null when the model is not from Civitai.</param>
internal sealed record ModelResolution(
    ModelResolutionOutcome Outcome, string? Message, ModelStatus? Status, ModelSource? Source, DownloadAccess? Access, Uri? Origin = null)
{
    /// <summary>The model is known and downloadable.</summary>
    public static ModelResolution Resolved(ModelStatus status, ModelSource source, DownloadAccess access, Uri? origin = null) =>
        new(ModelResolutionOutcome.Resolved, null, status, source, access, origin);

    /// <summary>The user must change something.</summary>
    public static ModelResolution NeedsUser(string message) => new(ModelResolutionOutcome.NeedsUserAction, message, null, null, null);

    /// <summary>Try again later.</summary>
    public static ModelResolution Retry(string message) => new(ModelResolutionOutcome.RetryLater, message, null, null, null);

    /// <summary>Never prints the download URL or key.</summary>
    public override string ToString() => $"{Outcome}: {Message ?? Status?.FileName}";
}

/// <summary>A way for the agent to download a file.</summary>
/// <param name="Url">The URL to GET; a signed URL is itself a secret.</param>
/// <param name="Authorization">The Authorization header value, when the key has to travel.</param>
/// <param name="Access">Which of the two it is.</param>
internal sealed record ModelDownload(Uri Url, string? Authorization, DownloadAccess Access)
{
    /// <summary>Never prints the URL or key.</summary>
    public override string ToString() => $"download via {Access} from {Url.Host}";
}
