using System.Globalization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace LoraTrainer.Testing.Vast;

/// <summary>The endpoints the simulator serves.</summary>
public enum VastRoute
{
    /// <summary>Not a Vast endpoint the simulator knows.</summary>
    Unknown,

    /// <summary><c>POST /api/v0/bundles/</c>.</summary>
    Search,

    /// <summary><c>PUT /api/v0/asks/{id}/</c>.</summary>
    Create,

    /// <summary><c>GET /api/v0/instances/{id}/</c>.</summary>
    Show,

    /// <summary><c>PUT /api/v0/instances/{id}/</c>.</summary>
    Label,

    /// <summary><c>GET /api/v1/instances/</c>.</summary>
    List,

    /// <summary><c>DELETE /api/v0/instances/{id}/</c>.</summary>
    Destroy,

    /// <summary><c>GET /api/v0/instances/</c>, deprecated: answers 410.</summary>
    LegacyList,

    /// <summary><c>PUT /api/v0/instances/bid_price/{id}/</c>: changes an interruptible instance's bid.</summary>
    BidPrice,
}

/// <summary>
/// Maps a request to its <see cref="VastRoute"/> and the id in its path. Written from Vast's API documentation and
/// vast-cli (the paths, their methods and the trailing slash Vast writes), not from the operator's client, so the
/// simulator can disagree with the client where the client reads Vast wrong. A known path with another method is
/// <see cref="VastRoute.Unknown"/>, as Vast answers it.
/// </summary>
internal static class VastRoutes
{
    private static readonly (string Method, TemplateMatcher Path, VastRoute Route)[] Table =
    [
        ("POST", Template("/api/v0/bundles/"), VastRoute.Search),
        ("PUT", Template("/api/v0/asks/{id}/"), VastRoute.Create),
        ("PUT", Template("/api/v0/instances/bid_price/{id}/"), VastRoute.BidPrice),
        ("GET", Template("/api/v0/instances/{id}/"), VastRoute.Show),
        ("PUT", Template("/api/v0/instances/{id}/"), VastRoute.Label),
        ("DELETE", Template("/api/v0/instances/{id}/"), VastRoute.Destroy),
        ("GET", Template("/api/v1/instances/"), VastRoute.List),
        ("GET", Template("/api/v0/instances/"), VastRoute.LegacyList),
    ];

    public static (VastRoute Route, long Id) Match(string method, string path)
    {
        foreach (var (routeMethod, template, route) in Table)
        {
            var values = new RouteValueDictionary();
            if (!template.TryMatch(path, values))
            {
                continue;
            }

            long id = 0;
            if (values.TryGetValue("id", out var raw) && !long.TryParse(raw as string, NumberStyles.None, CultureInfo.InvariantCulture, out id))
            {
                return (VastRoute.Unknown, 0);
            }

            if (routeMethod == method)
            {
                return (route, id);
            }
        }

        return (VastRoute.Unknown, 0);
    }

    private static TemplateMatcher Template(string path) => new(TemplateParser.Parse(path.Trim('/')), new RouteValueDictionary());
}
