using System.Net;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace LoraTrainer.Operator.Models;

/// <summary>Resolves a Civitai model version to a family, a checkpoint file (size, SHA-256) and a download the agent can use.</summary>
/// <remarks>
/// 401, 403 and 404 need the user (status message says what to change); 429, 5xx and network failures are retried
/// by the HTTP client and, if they outlast the retries, come back as <see cref="ModelResolutionOutcome.RetryLater"/>.
/// How the agent is allowed to download is decided by <see cref="CivitaiDownloadLinker"/>: a keyless signed URL
/// when Civitai redirects, the key in a header only when it does not.
/// </remarks>
internal sealed class CivitaiModelResolver(
    ICivitaiApi api,
    CivitaiDownloadLinker linker,
    IOptions<CivitaiOptions> options,
    ILogger<CivitaiModelResolver> logger)
{
    /// <summary>Resolves model version <paramref name="versionId"/>.</summary>
    /// <param name="versionId">The Civitai model version id.</param>
    /// <param name="family">The family the user set in <c>spec.baseModel.family</c>; it wins over what Civitai says.</param>
    /// <param name="apiKey">The run's key from its Secret; null falls back to <see cref="CivitaiOptions.ApiKey"/>.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task<ModelResolution> ResolveAsync(long versionId, ModelFamily? family, string? apiKey, CancellationToken cancellationToken)
    {
        var key = KeyFor(apiKey);
        CivitaiModelVersion? version;
        try
        {
            using var response = await api.GetModelVersionAsync(versionId, key is null ? null : $"Bearer {key}", cancellationToken);
            if (response.StatusCode is not { } statusCode)
            {
                return ModelResolution.Retry($"Civitai did not answer for model version {versionId} ({response.Error?.GetType().Name}); will retry.");
            }

            if (Refusal(statusCode, versionId, key is not null) is { } refusal)
            {
                ModelsLog.NotResolved(logger, versionId, refusal.Outcome, refusal.Message!);
                return refusal;
            }

            version = response.Content;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or Refit.ApiException)
        {
            return ModelResolution.Retry($"Civitai did not answer for model version {versionId} ({e.GetType().Name}); will retry.");
        }

        if (version is null)
        {
            return ModelResolution.Retry($"Civitai answered model version {versionId} with an empty body; will retry.");
        }

        return await ResolveVersionAsync(version, versionId, family, key, cancellationToken);
    }

    /// <summary>
    /// Links a version resolved before again, for a fresh signed URL, without looking the version up: what re-issuing a
    /// run's URLs needs while its attempt runs.
    /// </summary>
    /// <param name="versionId">The Civitai model version id.</param>
    /// <param name="origin">The download URL the resolution found (<see cref="ModelResolution.Origin"/>).</param>
    /// <param name="apiKey">The run's key from its Secret; null falls back to <see cref="CivitaiOptions.ApiKey"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<DownloadLinkResult> RelinkAsync(long versionId, Uri origin, string? apiKey, CancellationToken cancellationToken) =>
        linker.LinkAsync(versionId, origin, KeyFor(apiKey), cancellationToken);

    /// <summary>
    /// Model version <paramref name="versionId"/> as the model cache recorded it when its checkpoint was cached, without
    /// asking Civitai; null when neither the record nor <paramref name="family"/> names a family.
    /// </summary>
    /// <remarks>
    /// The source left for the agent to fall back on (when the cached bytes fail their check) is Civitai's download URL
    /// without a key: no key leaves the cluster, and a model that needs one fails that attempt, whose retry then misses
    /// the evicted object and resolves the version with Civitai as usual.
    /// </remarks>
    public ModelResolution? ResolveCached(long versionId, ModelFamily? family, CachedCivitaiVersion cached)
    {
        if ((family ?? Enum.GetValues<ModelFamily>().Cast<ModelFamily?>().FirstOrDefault(f => f!.Value.ToWireName() == cached.Family)) is not { } resolved)
        {
            return null;
        }

        var download = $"{options.Value.BaseUrl.TrimEnd('/')}/api/download/models/{versionId}";
        return ModelResolution.Resolved(
            new ModelStatus { Family = resolved, Name = cached.Name, FileName = cached.FileName, Bytes = cached.Bytes, Sha256 = cached.Sha256 },
            new ModelSource
            {
                Family = resolved.ToWireName(), Url = download, FileName = cached.FileName, Bytes = cached.Bytes, Sha256 = cached.Sha256,
            },
            DownloadAccess.Anonymous);
    }

    private string? KeyFor(string? apiKey) => string.IsNullOrWhiteSpace(apiKey) ? NullIfEmpty(options.Value.ApiKey) : apiKey.Trim();

    private async Task<ModelResolution> ResolveVersionAsync(
        CivitaiModelVersion version, long versionId, ModelFamily? family, string? key, CancellationToken cancellationToken)
    {
        if (version.Model?.Type is { } type && !type.Equals("Checkpoint", StringComparison.OrdinalIgnoreCase))
        {
            return ModelResolution.NeedsUser(
                $"Civitai model version {versionId} is a {type}, not a checkpoint: set spec.baseModel.civitai.modelVersionId to a checkpoint's version.");
        }

        var resolvedFamily = family ?? CivitaiFamilies.Infer(version);
        if (resolvedFamily is not { } chosen)
        {
            return ModelResolution.NeedsUser(
                $"cannot tell the model family of Civitai model version {versionId} (baseModel \"{version.BaseModel}\"): set spec.baseModel.family to sd15, sdxl or flux.");
        }

        var file = CivitaiFilePicker.Pick(version);
        if (file?.Name is null)
        {
            return ModelResolution.NeedsUser(
                $"Civitai model version {versionId} has no SafeTensor model file ({CivitaiFilePicker.DescribeFormats(version)}): choose a version published as .safetensors.");
        }

        var downloadUrl = file.DownloadUrl ?? version.DownloadUrl ?? $"{options.Value.BaseUrl.TrimEnd('/')}/api/download/models/{versionId}";
        var link = await linker.LinkAsync(versionId, new Uri(downloadUrl), key, cancellationToken);
        if (link.Failure is { } failure)
        {
            ModelsLog.NotResolved(logger, versionId, failure.Outcome, failure.Message!);
            return failure;
        }

        var download = link.Download!;
        var bytes = CivitaiFilePicker.Bytes(file);
        var sha256 = CivitaiFilePicker.Sha256(file);
        ModelsLog.Resolved(logger, versionId, chosen, file.Name, bytes, download.Access);
        return ModelResolution.Resolved(
            new ModelStatus
            {
                Family = chosen,
                Name = string.Join(' ', new[] { version.Model?.Name, version.Name }.Where(s => !string.IsNullOrWhiteSpace(s))),
                FileName = file.Name,
                Bytes = bytes,
                Sha256 = sha256,
            },
            new ModelSource
            {
                Family = chosen.ToWireName(),
                Url = download.Url.AbsoluteUri,
                Authorization = download.Authorization,
                FileName = file.Name,
                Bytes = bytes,
                Sha256 = sha256,
            },
            download.Access,
            new Uri(downloadUrl));
    }

    private static ModelResolution? Refusal(HttpStatusCode status, long versionId, bool hadKey) =>
        (int)status is >= 200 and < 300
            ? null
            : CivitaiRefusals.For(status, versionId, hadKey, CivitaiCall.ModelVersion)
                ?? ModelResolution.NeedsUser($"Civitai refused model version {versionId} with {(int)status}: check spec.baseModel.civitai.");

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
