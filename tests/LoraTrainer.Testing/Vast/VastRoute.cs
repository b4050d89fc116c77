using System.Text.RegularExpressions;

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

/// <summary>Maps a request to its <see cref="VastRoute"/> and the id in its path.</summary>
internal static partial class VastRoutes
{
    public static (VastRoute Route, long Id) Match(string method, string path)
    {
        if (Bundles().IsMatch(path)) return (method == "POST" ? VastRoute.Search : VastRoute.Unknown, 0);
        if (Ask().Match(path) is { Success: true } ask) return (method == "PUT" ? VastRoute.Create : VastRoute.Unknown, long.Parse(ask.Groups[1].Value));
        if (ListV1().IsMatch(path)) return (method == "GET" ? VastRoute.List : VastRoute.Unknown, 0);
        if (ListV0().IsMatch(path)) return (method == "GET" ? VastRoute.LegacyList : VastRoute.Unknown, 0);
        if (BidPrice().Match(path) is { Success: true } bid) return (method == "PUT" ? VastRoute.BidPrice : VastRoute.Unknown, long.Parse(bid.Groups[1].Value));
        if (Instance().Match(path) is not { Success: true } instance) return (VastRoute.Unknown, 0);
        var id = long.Parse(instance.Groups[1].Value);
        return method switch
        {
            "GET" => (VastRoute.Show, id),
            "PUT" => (VastRoute.Label, id),
            "DELETE" => (VastRoute.Destroy, id),
            _ => (VastRoute.Unknown, id),
        };
    }

    [GeneratedRegex("^/api/v0/bundles/?$")]
    private static partial Regex Bundles();

    [GeneratedRegex(@"^/api/v0/asks/(\d{1,18})/?$")]
    private static partial Regex Ask();

    [GeneratedRegex("^/api/v1/instances/?$")]
    private static partial Regex ListV1();

    [GeneratedRegex("^/api/v0/instances/?$")]
    private static partial Regex ListV0();

    [GeneratedRegex(@"^/api/v0/instances/bid_price/(\d{1,18})/?$")]
    private static partial Regex BidPrice();

    [GeneratedRegex(@"^/api/v0/instances/(\d{1,18})/?$")]
    private static partial Regex Instance();
}
