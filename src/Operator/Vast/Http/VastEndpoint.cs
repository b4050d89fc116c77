using System.Text.RegularExpressions;

namespace LoraTrainer.Operator.Vast.Http;

/// <summary>The Vast endpoints the operator calls; each has its own rate limit and retry rule.</summary>
internal enum VastEndpoint
{
    /// <summary>Anything else.</summary>
    Other,

    /// <summary><c>POST /api/v0/bundles/</c>.</summary>
    Search,

    /// <summary><c>PUT /api/v0/asks/{id}/</c>; not idempotent.</summary>
    Create,

    /// <summary><c>GET /api/v0/instances/{id}/</c>.</summary>
    Show,

    /// <summary><c>PUT /api/v0/instances/{id}/</c>.</summary>
    Label,

    /// <summary><c>GET /api/v1/instances/</c>.</summary>
    List,

    /// <summary><c>DELETE /api/v0/instances/{id}/</c>.</summary>
    Destroy,
}

/// <summary>Tells which <see cref="VastEndpoint"/> a request goes to.</summary>
internal static partial class VastEndpoints
{
    /// <summary>Classifies a request by method and path.</summary>
    public static VastEndpoint Classify(HttpRequestMessage request) =>
        Classify(request.Method, request.RequestUri?.AbsolutePath ?? "");

    /// <summary>Classifies a method and path.</summary>
    public static VastEndpoint Classify(HttpMethod method, string path)
    {
        if (SearchPath().IsMatch(path) && method == HttpMethod.Post) return VastEndpoint.Search;
        if (AskPath().IsMatch(path) && method == HttpMethod.Put) return VastEndpoint.Create;
        if (ListPath().IsMatch(path) && method == HttpMethod.Get) return VastEndpoint.List;
        if (!InstancePath().IsMatch(path)) return VastEndpoint.Other;
        if (method == HttpMethod.Get) return VastEndpoint.Show;
        if (method == HttpMethod.Put) return VastEndpoint.Label;
        return method == HttpMethod.Delete ? VastEndpoint.Destroy : VastEndpoint.Other;
    }

    [GeneratedRegex(@"/api/v0/bundles/?$")]
    private static partial Regex SearchPath();

    [GeneratedRegex(@"/api/v0/asks/\d+/?$")]
    private static partial Regex AskPath();

    [GeneratedRegex(@"/api/v1/instances/?$")]
    private static partial Regex ListPath();

    [GeneratedRegex(@"/api/v0/instances/\d+/?$")]
    private static partial Regex InstancePath();
}
