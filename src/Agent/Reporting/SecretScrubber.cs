using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace LoraTrainer.Agent.Reporting;

/// <summary>
/// Removes secrets from text that leaves the GPU host (event reasons, log tails): every secret the agent was
/// given (token, Authorization values, presigned URLs) plus anything shaped like one (URL query strings,
/// Authorization headers, bearer tokens, <c>token=</c>-style parameters).
/// </summary>
internal sealed partial class SecretScrubber
{
    private const string Mask = "***";
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    /// <summary>Remembers a secret so it is masked wherever it appears; URLs are remembered with and without their query.</summary>
    public void Add(string? secret)
    {
        if (string.IsNullOrWhiteSpace(secret) || secret.Length < 6)
        {
            return;
        }

        _known.TryAdd(secret, 0);
        if (Uri.TryCreate(secret, UriKind.Absolute, out var uri) && uri.Query.Length > 1)
        {
            _known.TryAdd(uri.Query[1..], 0);
        }
    }

    /// <summary>Returns <paramref name="text"/> with every secret masked.</summary>
    public string Scrub(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        // Longest first, so a URL is masked whole before its query string is looked for.
        foreach (var secret in _known.Keys.OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = UrlQuery().Replace(text, "$1?" + Mask);
        text = AuthorizationHeader().Replace(text, "$1" + Mask);
        text = BearerToken().Replace(text, "$1 " + Mask);
        return SecretParameter().Replace(text, "$1=" + Mask);
    }

    [GeneratedRegex(@"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s?#""'<>]+)\?[^\s""'<>]*")]
    private static partial Regex UrlQuery();

    [GeneratedRegex(@"((?:Proxy-)?Authorization[""']?\s*[:=]\s*[""']?)[^\r\n""',}]+", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}", RegexOptions.IgnoreCase)]
    private static partial Regex BearerToken();

    [GeneratedRegex(@"\b((?:api[_-]?)?key|token|secret|password|signature|X-Amz-[A-Za-z-]+)=([^&\s""'),;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretParameter();
}
