using System.Net.Http.Headers;
using LoraTrainer.Operator.Vast.Credentials;

namespace LoraTrainer.Operator.Vast.Http;

/// <summary>Adds <c>Authorization: Bearer</c> with the current key (never <c>?api_key=</c>, which ends up in access logs).</summary>
internal sealed class VastAuthHandler(IVastApiKeyProvider keys) : DelegatingHandler
{
    /// <summary>Where the key of a request came from, so a 401 can name the Secret to fix.</summary>
    public static readonly HttpRequestOptionsKey<string> KeySourceOption = new("LoraTrainer.Vast.KeySource");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var key = await keys.GetApiKeyAsync(cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Value);
        request.Options.Set(KeySourceOption, key.Source);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
