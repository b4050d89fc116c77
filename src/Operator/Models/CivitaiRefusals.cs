using System.Net;

namespace LoraTrainer.Operator.Models;

/// <summary>Which Civitai call answered.</summary>
internal enum CivitaiCall
{
    /// <summary><c>GET /api/v1/model-versions/{id}</c>.</summary>
    ModelVersion,
    /// <summary><c>GET /api/download/models/{id}</c>.</summary>
    Download,
}

/// <summary>What a failed Civitai answer means for the run.</summary>
internal static class CivitaiRefusals
{
    /// <summary>
    /// 401, 403 and 404 need the user (the message says what to change); 408, 429 and 5xx mean "try again later"
    /// (the HTTP client already retried them). Null for any other status: the caller decides.
    /// </summary>
    public static ModelResolution? For(HttpStatusCode status, long versionId, bool hadKey, CivitaiCall call)
    {
        var code = (int)status;
        var download = call == CivitaiCall.Download;
        return status switch
        {
            HttpStatusCode.Unauthorized => ModelResolution.NeedsUser(hadKey
                ? $"Civitai refused the API key {(download ? "for downloading" : "for")} model version {versionId} (401): check the key in spec.credentials.civitai."
                : $"Civitai model version {versionId} needs an API key{(download ? " to download" : "")}: put one in the Secret named by spec.credentials.civitai."),
            HttpStatusCode.Forbidden => ModelResolution.NeedsUser(
                $"Civitai does not let this key {(download ? "download" : "see")} model version {versionId} (403: early access, or not offered in the operator's region): use another version or a key with access."),
            HttpStatusCode.NotFound => ModelResolution.NeedsUser(
                $"Civitai has no {(download ? "download for " : "")}model version {versionId} (404): check spec.baseModel.civitai.modelVersionId."),
            _ when code is 408 or 429 or >= 500 => ModelResolution.Retry(
                $"Civitai{(download ? "'s download service" : "")} answered {code} for model version {versionId}; will retry."),
            _ => null,
        };
    }
}
