namespace LoraTrainer.Operator.Models;

/// <summary>Reads a download redirect that leads to a signed link the GPU agent may use without the credential.</summary>
internal static class SignedRedirect
{
    /// <summary>
    /// The absolute http(s) location <paramref name="response"/> redirects to, or null when it is not a redirect, has no
    /// location, or the location itself carries <paramref name="secret"/> (handing it out would hand out the secret).
    /// </summary>
    public static Uri? From(HttpResponseMessage response, Uri requested, string? secret)
    {
        var status = (int)response.StatusCode;
        if (status is < 300 or >= 400 || response.Headers.Location is not { } location)
        {
            return null;
        }

        var target = location.IsAbsoluteUri ? location : new Uri(requested, location);
        return target.Scheme is "https" or "http" && (secret is null || !target.OriginalString.Contains(secret, StringComparison.Ordinal))
            ? target
            : null;
    }
}
