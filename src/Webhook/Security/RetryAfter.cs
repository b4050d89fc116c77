using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Webhook.Security;

/// <summary>The <c>Retry-After</c> header of a 429: when the refusing limiter will have a token again.</summary>
internal static class RetryAfter
{
    /// <summary>Whole seconds to wait, at least 1: from the lease when the limiter says, else 1.</summary>
    public static int Seconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;

    /// <summary>Sets the header on <paramref name="response"/> and returns the seconds it says.</summary>
    public static int Set(HttpResponse response, RateLimitLease lease)
    {
        var seconds = Seconds(lease);
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }
}
