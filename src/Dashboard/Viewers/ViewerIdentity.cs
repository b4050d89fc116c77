using System.Net;
using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard.Viewers;

/// <summary>Finds out who sent a request, as <see cref="DashboardOptions.Authentication"/> says.</summary>
/// <remarks>
/// A bearer token is sent to the API server in a TokenReview and the answer kept for
/// <see cref="DashboardOptions.ReviewCacheDuration"/> under the token's hash, never the token itself.
/// </remarks>
internal sealed class ViewerIdentity(IKubernetes kubernetes, IMemoryCache cache, IOptions<DashboardOptions> options, ILogger<ViewerIdentity> logger)
{
    /// <summary>The viewer, or null when the request says nothing the dashboard can trust.</summary>
    public async Task<Viewer?> IdentifyAsync(HttpContext context)
    {
        var settings = options.Value;
        return settings.Authentication switch
        {
            DashboardAuthentication.Proxy => FromHeaders(context.Request.Headers, settings),
            DashboardAuthentication.TokenReview => await FromTokenAsync(context.Request.Headers.Authorization.ToString(), context.RequestAborted),
            _ => context.Connection.RemoteIpAddress is { } address && IPAddress.IsLoopback(address) ? Viewer.Local : null,
        };
    }

    private static Viewer? FromHeaders(IHeaderDictionary headers, DashboardOptions settings)
    {
        var user = headers[settings.UserHeader].ToString().Trim();
        if (user.Length == 0)
        {
            return null;
        }

        var groups = headers[settings.GroupHeader]
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new Viewer(user, groups);
    }

    private async Task<Viewer?> FromTokenAsync(string authorization, CancellationToken cancellationToken)
    {
        const string scheme = "Bearer ";
        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            return null;
        }

        var token = authorization[scheme.Length..].Trim();
        var key = "token:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (cache.TryGetValue(key, out Viewer? known))
        {
            return known;
        }

        var review = await kubernetes.AuthenticationV1.CreateTokenReviewAsync(
            new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } }, cancellationToken: cancellationToken);
        var viewer = review.Status is { Authenticated: true, User.Username: { Length: > 0 } name }
            ? new Viewer(name, [.. review.Status.User.Groups ?? []])
            : null;
        if (viewer is null)
        {
            DashboardLog.TokenRefused(logger, review.Status?.Error ?? "not authenticated");
        }

        cache.Set(key, viewer, options.Value.ReviewCacheDuration);
        return viewer;
    }
}
