using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Vast;

/// <summary>The request pipeline: record, authenticate, rate-limit, inject faults, answer.</summary>
public sealed partial class VastSimulator
{
    private const string RateLimitText = "API requests too frequent endpoint threshold={0}";

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var at = Options.NetworkTime.GetUtcNow();
        var (route, id) = VastRoutes.Match(request.Method, request.Path.Value ?? "");
        string body;
        using (var reader = new StreamReader(request.Body))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }

        var header = request.Headers.Authorization.ToString();
        var bearer = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
        var queryKey = request.Query["api_key"].ToString();
        var key = bearer ?? (queryKey.Length > 0 ? queryKey : null);

        var reachedRunning = CatchUpAll();
        var answer = Answer(route, id, body, key, request.Query);
        reachedRunning.AddRange(answer.Running);
        lock (_gate)
        {
            _requests.Add(new VastRecordedRequest(at, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", route, body, answer.Status, bearer is not null, queryKey.Length > 0));
        }

        DispatchHooks(reachedRunning);
        if (answer.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(answer.Delay, Options.NetworkTime, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // the client gave up; the effect stays, as on the real service
            }
        }

        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        await context.Response.WriteAsync(answer.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private SimAnswer Answer(VastRoute route, long id, string body, string? key, IQueryCollection query)
    {
        switch (route)
        {
            case VastRoute.Unknown:
                return SimAnswer.Json(404, new JsonObject { ["success"] = false, ["error"] = "not_found", ["msg"] = "Unknown endpoint" });
            case VastRoute.LegacyList:
                return SimAnswer.Json(410, new JsonObject { ["success"] = false, ["error"] = "gone", ["msg"] = "Deprecated; use /api/v1/instances/" });
        }

        if (!Authorized(route, id, key))
        {
            var status = route == VastRoute.Search ? Variants.SearchBadKeyStatus : 401;
            return SimAnswer.Json(status, new JsonObject { ["success"] = false, ["error"] = "auth_error", ["msg"] = "Invalid user key" });
        }

        if (RateLimited(route, key!) is { } limited)
        {
            return limited;
        }

        if (Faults.Take(route, FaultKind.RateLimit) is not null)
        {
            return TooFrequent(route);
        }

        if (Faults.Take(route, FaultKind.ServerError) is { } failure)
        {
            return SimAnswer.Text(failure.Status, $"<html><body><h1>{failure.Status} Service Unavailable</h1></body></html>", "text/html");
        }

        if (Faults.Take(route, FaultKind.RefuseUnder200) is { } refusal)
        {
            return SimAnswer.Json(200, new JsonObject { ["success"] = false, ["error"] = refusal.Error, ["msg"] = refusal.Msg });
        }

        var answer = route switch
        {
            VastRoute.Search => Search(body),
            VastRoute.Create => Create(id, body),
            VastRoute.Show => Show(id),
            VastRoute.List => List(query),
            VastRoute.Destroy => Destroy(id),
            VastRoute.BidPrice => ChangeBid(id, body),
            _ => Label(id, body),
        };

        if (route == VastRoute.Create && answer.Status == 200 && Faults.Take(route, FaultKind.FailAfterCommit) is { } lost)
        {
            answer = SimAnswer.Text(lost.Status, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html") with { Running = answer.Running };
        }

        return Faults.Take(route, FaultKind.Latency) is { } slow ? answer with { Delay = slow.Delay } : answer;
    }

    private bool Authorized(VastRoute route, long id, string? key)
    {
        if (key is null)
        {
            return false;
        }

        if (string.Equals(key, Options.ApiKey, StringComparison.Ordinal))
        {
            return true;
        }

        // A per-instance key (CONTAINER_API_KEY) may only read or destroy its own instance.
        lock (_gate)
        {
            return route is VastRoute.Show or VastRoute.Destroy
                && _instances.TryGetValue(id, out var instance)
                && string.Equals(instance.InstanceApiKey, key, StringComparison.Ordinal);
        }
    }

    private SimAnswer? RateLimited(VastRoute route, string key)
    {
        if (Options.EnforceRateLimits && route == VastRoute.Search)
        {
            return SearchLimited(key);
        }

        if (!Options.EnforceRateLimits || !Options.RateLimits.TryGetValue(route, out var threshold) || threshold <= TimeSpan.Zero)
        {
            return null;
        }

        var now = Options.NetworkTime.GetUtcNow();
        lock (_gate)
        {
            // Only accepted calls move the window: a client that keeps hammering stays refused.
            if (_lastCall.TryGetValue((key, route), out var last) && now - last < threshold)
            {
                return TooFrequent(route);
            }

            _lastCall[(key, route)] = now;
            return null;
        }
    }

    /// <summary>Offer search counts in a sliding window (<c>x-rate-limit: 10 requests per minute</c>), accepted searches only.</summary>
    private SimAnswer? SearchLimited(string key)
    {
        var now = Options.NetworkTime.GetUtcNow();
        lock (_gate)
        {
            if (!_searchTimes.TryGetValue(key, out var accepted))
            {
                _searchTimes[key] = accepted = new Queue<DateTimeOffset>();
            }

            while (accepted.Count > 0 && now - accepted.Peek() >= Options.SearchRateWindow)
            {
                accepted.Dequeue();
            }

            if (accepted.Count >= Options.SearchesPerWindow)
            {
                return TooFrequent(VastRoute.Search);
            }

            accepted.Enqueue(now);
            return null;
        }
    }

    private SimAnswer TooFrequent(VastRoute route)
    {
        var threshold = route == VastRoute.Search
            ? Options.SearchRateWindow.TotalSeconds / Math.Max(1, Options.SearchesPerWindow)
            : Options.RateLimits.TryGetValue(route, out var value) ? value.TotalSeconds : 1;
        var text = string.Format(CultureInfo.InvariantCulture, RateLimitText, threshold);
        return Variants.RateLimitAsJson
            ? SimAnswer.Json(429, new JsonObject { ["detail"] = text })
            : SimAnswer.Text(429, text, "text/plain");
    }

    private sealed record SimAnswer(int Status, string Body, string ContentType)
    {
        public TimeSpan Delay { get; init; }

        public IReadOnlyList<SimulatedInstance> Running { get; init; } = [];

        public static SimAnswer Json(int status, JsonNode body) => new(status, body.ToJsonString(), "application/json");

        public static SimAnswer Text(int status, string body, string contentType) => new(status, body, contentType);
    }
}
