using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace LoraTrainer.Operator.Models;

/// <summary>Turns a token-protected model file's URL into a link the GPU agent can fetch while the token stays in the cluster.</summary>
/// <remarks>
/// Hosts of gated files (Hugging Face among them) answer an authorised GET with a redirect to a short-lived signed
/// link. The operator asks with the token, does not follow the redirect, and hands the agent the signed link with no
/// credential (<see cref="DownloadAccess.SignedUrl"/>). Only a host that serves the file directly gets the token from
/// the agent too (<see cref="DownloadAccess.ApiKey"/>). The token goes only to the host of the URL the user wrote.
/// </remarks>
internal sealed class ModelFileLinker(HttpClient http, ILogger<ModelFileLinker> logger)
{
    /// <summary>Links <paramref name="url"/> (the spec field <paramref name="field"/>) with <paramref name="token"/>.</summary>
    public async Task<DownloadLinkResult> LinkAsync(string field, Uri url, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or BrokenCircuitException)
        {
            return DownloadLinkResult.Failed(ModelResolution.Retry($"{field}: {url.Host} did not answer ({e.GetType().Name}); will retry."));
        }

        using (response)
        {
            if (SignedRedirect.From(response, url, token) is { } signed)
            {
                ModelsLog.FileSignedUrlObtained(logger, field, signed.Host);
                return DownloadLinkResult.Linked(new ModelDownload(signed, null, DownloadAccess.SignedUrl));
            }

            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                ModelsLog.FileNoSignedUrl(logger, field, url.Host, status);
                return DownloadLinkResult.Linked(new ModelDownload(url, $"Bearer {token}", DownloadAccess.ApiKey));
            }

            return DownloadLinkResult.Failed(status switch
            {
                401 or 403 => ModelResolution.NeedsUser(
                    $"{field}: {url.Host} refused the token (HTTP {status}); check that the token in tokenSecretRef may read this file (on Hugging Face, accept the model's licence with the token's account)"),
                404 or 410 => ModelResolution.NeedsUser($"{field}: {url.Host} has no file at that URL (HTTP {status}); check the URL"),
                429 or >= 500 => ModelResolution.Retry($"{field}: {url.Host} answered HTTP {status}; will retry."),
                _ => ModelResolution.NeedsUser($"{field}: {url.Host} answered HTTP {status} instead of the file; check the URL"),
            });
        }
    }
}
