using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace LoraTrainer.Operator.Models;

/// <summary>Turns Civitai's download URL into something the GPU agent can fetch while the API key stays in the cluster.</summary>
/// <remarks>
/// The operator asks <c>/api/download/models/{id}</c> itself, with the key, and does not follow the redirect: the
/// <c>Location</c> it answers is a short-lived signed CDN URL that needs no key, and that URL is what the agent gets
/// (<see cref="DownloadAccess.SignedUrl"/>). Only when no usable redirect comes back (a direct answer, a redirect
/// without a location, or one that would carry the key) does the agent get Civitai's URL and the key in its
/// Authorization header (<see cref="DownloadAccess.ApiKey"/>), or no key when none is configured. The signed URL
/// expires, so the operator links afresh whenever it re-issues the run's URLs (every <c>Operator.PresignRefreshInterval</c>). 401, 403 and 404 are the user's to fix;
/// 429 and 5xx were already retried by the client's resilience handler and mean "try again later".
/// The key is sent only to Civitai's own host and never logged; neither is the signed URL.
/// </remarks>
internal sealed class CivitaiDownloadLinker(HttpClient http, IOptions<CivitaiOptions> options, ILogger<CivitaiDownloadLinker> logger)
{
    /// <summary>Links the download of <paramref name="downloadUrl"/> for model version <paramref name="versionId"/>.</summary>
    public async Task<DownloadLinkResult> LinkAsync(long versionId, Uri downloadUrl, string? apiKey, CancellationToken cancellationToken)
    {
        var sendKey = apiKey is not null && IsCivitaiHost(downloadUrl);
        using var request = new HttpRequestMessage(HttpMethod.Get, downloadUrl);
        if (sendKey)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException)
        {
            return DownloadLinkResult.Failed(ModelResolution.Retry(
                $"Civitai's download service did not answer for model version {versionId} ({e.GetType().Name}); will retry."));
        }

        using (response)
        {
            if (SignedRedirect.From(response, downloadUrl, apiKey) is { } signed)
            {
                ModelsLog.SignedUrlObtained(logger, versionId, signed.Host);
                return DownloadLinkResult.Linked(new ModelDownload(signed, null, DownloadAccess.SignedUrl));
            }

            var failure = CivitaiRefusals.For(response.StatusCode, versionId, sendKey, CivitaiCall.Download);
            if (failure is not null)
            {
                return DownloadLinkResult.Failed(failure);
            }

            ModelsLog.NoSignedUrl(logger, versionId, (int)response.StatusCode);
            return DownloadLinkResult.Linked(sendKey
                ? new ModelDownload(downloadUrl, $"Bearer {apiKey}", DownloadAccess.ApiKey)
                : new ModelDownload(downloadUrl, null, DownloadAccess.Anonymous));
        }
    }

    private bool IsCivitaiHost(Uri url) =>
        Uri.TryCreate(options.Value.BaseUrl, UriKind.Absolute, out var baseUrl)
        && string.Equals(url.Host, baseUrl.Host, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A download link, or why there is none.</summary>
/// <param name="Download">The link.</param>
/// <param name="Failure">Why there is none.</param>
internal sealed record DownloadLinkResult(ModelDownload? Download, ModelResolution? Failure)
{
    /// <summary>The agent can download.</summary>
    public static DownloadLinkResult Linked(ModelDownload download) => new(download, null);

    /// <summary>It cannot.</summary>
    public static DownloadLinkResult Failed(ModelResolution failure) => new(null, failure);
}
