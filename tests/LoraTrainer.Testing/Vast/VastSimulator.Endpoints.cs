using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Vast;

/// <summary>The endpoint handlers, each answering as Vast does.</summary>
public sealed partial class VastSimulator
{
    private const int DefaultAllocatedStorageGb = 10;
    private const int MaxListPage = 25;

    private SimAnswer Search(string body)
    {
        if (ParseObject(body) is not { } query)
        {
            return Invalid("invalid_args", "The search body must be a JSON object of filters.");
        }

        var type = query["type"]?.ToString() ?? "on-demand";
        if (type is not ("on-demand" or "ondemand" or "bid" or "reserved"))
        {
            return Invalid("invalid_args", $"Unknown offer type {type}.");
        }

        var allocated = VastWireShapes.Number(query["allocated_storage"]) ?? DefaultAllocatedStorageGb;
        var limit = (int)Math.Clamp(VastWireShapes.Number(query["limit"]) ?? 64, 1, 1000);
        var (orderField, descending) = Order(query["order"]);
        List<JsonObject> offers;
        try
        {
            lock (_gate)
            {
                offers = [.. _offers.Values
                    .Where(offer => VastWireShapes.Matches(offer, allocated, _rentedOffers.Contains(offer.Id), query))
                    .Select(offer => VastWireShapes.Offer(offer, allocated, _rentedOffers.Contains(offer.Id), Variants))];
            }
        }
        catch (ArgumentException exception)
        {
            return Invalid("invalid_args", exception.Message);
        }

        var ordered = descending
            ? offers.OrderByDescending(offer => VastWireShapes.Number(offer[orderField]) ?? 0)
            : offers.OrderBy(offer => VastWireShapes.Number(offer[orderField]) ?? 0);
        return SimAnswer.Json(200, new JsonObject { ["offers"] = new JsonArray([.. ordered.Take(limit)]) });
    }

    private SimAnswer Create(long offerId, string body)
    {
        if (ParseObject(body) is not { } request)
        {
            return Invalid("invalid_args", "The body must be a JSON object.");
        }

        if (ValidateCreate(request) is { } invalid)
        {
            return invalid;
        }

        var image = request["image"]!.ToString();
        var disk = (int)VastWireShapes.Number(request["disk"])!.Value;
        var env = ((JsonObject)request["env"]!).ToDictionary(pair => pair.Key, pair => pair.Value?.ToString() ?? "");
        var price = VastWireShapes.Number(request["price"]);
        var cancelUnavailable = request["cancel_unavail"]?.GetValueKind() == JsonValueKind.True;
        lock (_gate)
        {
            if (Faults.TakeOfferTaken(offerId))
            {
                _offers.Remove(offerId);
            }

            var now = Options.Time.GetUtcNow();
            if (!_offers.TryGetValue(offerId, out var offer) || _rentedOffers.Contains(offerId))
            {
                long? stray = null;
                if (offer is not null && !cancelUnavailable)
                {
                    // Without cancel_unavail Vast still makes a (stopped) instance on an unavailable offer.
                    var stopped = NewInstance(offer, request["label"]?.ToString(), image, disk, env, price, now);
                    stopped.Outbid(now);
                    stopped.Force("stopped", "offer unavailable", now, automatic: false);
                    stray = stopped.Id;
                }

                return NoSuchAsk(offerId, stray);
            }

            if (price is double bid && bid < offer.MinBid)
            {
                return BidTooLow(bid, offer.MinBid);
            }

            if (Faults.TakeFailedCreate(offerId) is { } failed)
            {
                var stopped = NewInstance(offer, request["label"]?.ToString(), image, disk, env, price, now);
                stopped.Outbid(now);
                stopped.Force("stopped", "create failed", now, automatic: false);
                return SimAnswer.Json(failed.Status, new JsonObject
                {
                    ["success"] = false, ["error"] = failed.Error, ["msg"] = "Instance could not be started.", ["new_contract"] = stopped.Id,
                });
            }

            var instance = NewInstance(offer, request["label"]?.ToString(), image, disk, env, price, now);
            _rentedOffers.Add(offerId);
            var running = instance.CatchUp(now) ? new[] { instance } : [];
            Reschedule(instance);
            return SimAnswer.Json(200, new JsonObject { ["success"] = true, ["new_contract"] = instance.Id, ["instance_api_key"] = instance.InstanceApiKey }) with { Running = running };
        }
    }

    private SimAnswer Show(long id)
    {
        lock (_gate)
        {
            if (_instances.TryGetValue(id, out var instance) && instance.Alive)
            {
                return SimAnswer.Json(200, new JsonObject { ["instances"] = VastWireShapes.Instance(instance, Variants) });
            }
        }

        return Variants.ShowGoneAs404
            ? SimAnswer.Json(404, new JsonObject { ["success"] = false, ["error"] = "no_such_instance", ["msg"] = $"Instance {id} not found." })
            : SimAnswer.Json(200, new JsonObject { ["instances"] = null });
    }

    private SimAnswer List(IQueryCollection query)
    {
        var limit = (int)Math.Clamp(VastWireShapes.Number(JsonValue.Create(query["limit"].ToString())) ?? MaxListPage, 1, MaxListPage);
        // The token is a plain string taken exactly as issued: a JSON-encoded (quoted) token is not one this API issued.
        var after = query["after_token"].ToString();
        long? afterId = null;
        if (after.Length > 0)
        {
            lock (_gate)
            {
                if (!_pageTokens.TryGetValue(after, out var lastId))
                {
                    return Invalid("invalid_args", "after_token is not a token this API issued.");
                }

                afterId = lastId;
            }
        }

        var labels = LabelFilter(query["select_filters"].ToString());
        lock (_gate)
        {
            var matching = _instances.Values
                .Where(instance => instance.Alive && instance.Id > (afterId ?? 0) && (labels is null || labels(instance.Label)))
                .OrderBy(instance => instance.Id)
                .ToList();
            var page = matching.Take(limit).ToList();
            var next = matching.Count > limit ? IssuePageToken(page[^1].Id) : null;
            return SimAnswer.Json(200, new JsonObject
            {
                ["success"] = true,
                ["instances"] = new JsonArray([.. page.Select(instance => VastWireShapes.Instance(instance, Variants))]),
                ["next_token"] = next,
            });
        }
    }

    /// <summary>An opaque token for the page after <paramref name="lastId"/>; base64, so it carries characters a URL must escape.</summary>
    private string IssuePageToken(long lastId)
    {
        var token = Convert.ToBase64String([.. Guid.NewGuid().ToByteArray(), (byte)0xFB, (byte)0xFF]);
        _pageTokens[token] = lastId;
        return token;
    }

    private SimAnswer Destroy(long id)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue(id, out var instance) || !instance.Alive)
            {
                return SimAnswer.Json(404, new JsonObject { ["success"] = false, ["error"] = Variants.DestroyGoneError, ["msg"] = $"Instance {id} does not exist." });
            }

            instance.Destroy(Options.Time.GetUtcNow());
            _rentedOffers.Remove(instance.Offer.Id);
            return SimAnswer.Json(200, new JsonObject { ["success"] = true });
        }
    }

    private SimAnswer Label(long id, string body)
    {
        if (ParseObject(body)?["label"] is not JsonValue label || label.GetValueKind() != JsonValueKind.String || label.ToString().Length > 256)
        {
            return Invalid("invalid_args", "label must be a string of at most 256 characters.");
        }

        lock (_gate)
        {
            if (!_instances.TryGetValue(id, out var instance) || !instance.Alive)
            {
                return SimAnswer.Json(404, new JsonObject { ["success"] = false, ["error"] = "no_such_instance", ["msg"] = $"Instance {id} not found." });
            }

            instance.Label = label.ToString();
            return SimAnswer.Json(200, new JsonObject { ["success"] = true });
        }
    }

    /// <summary>Changes a bid. A bid at or above the machine's current <c>min_bid</c> resumes an instance paused by an outbid.</summary>
    private SimAnswer ChangeBid(long id, string body)
    {
        if (VastWireShapes.Number(ParseObject(body)?["price"]) is not double price || price <= 0)
        {
            return Invalid("invalid_args", "price must be a positive number of USD per hour.");
        }

        List<SimulatedInstance> resumed = [];
        lock (_gate)
        {
            if (!_instances.TryGetValue(id, out var instance) || !instance.Alive)
            {
                return SimAnswer.Json(404, new JsonObject { ["success"] = false, ["error"] = "no_such_instance", ["msg"] = $"Instance {id} not found." });
            }

            if (instance.Bid is null)
            {
                return Invalid("invalid_args", $"Instance {id} is on-demand; only an interruptible instance has a bid.");
            }

            var minBid = _offers.TryGetValue(instance.Offer.Id, out var offer) ? offer.MinBid : instance.Offer.MinBid;
            if (price < minBid)
            {
                return BidTooLow(price, minBid);
            }

            var now = Options.Time.GetUtcNow();
            instance.ChangeBid(price, now);
            if (instance.Paused)
            {
                instance.Resume(now);
                Reschedule(instance);
                resumed.Add(instance);
            }
        }

        return SimAnswer.Json(200, new JsonObject { ["success"] = true }) with { Running = resumed };
    }

    private static SimAnswer BidTooLow(double price, double minBid) =>
        Invalid("invalid_price", string.Create(CultureInfo.InvariantCulture, $"Bid price {price} is below the minimum bid {minBid}."));

    private SimAnswer? ValidateCreate(JsonObject request)
    {
        var image = request["image"]?.ToString();
        if (string.IsNullOrWhiteSpace(image) || image.Length > 1024)
            return Invalid("invalid_args", "image is required and at most 1024 characters.");
        if (VastWireShapes.Number(request["disk"]) is not double disk || disk < 8)
            return Invalid("invalid_args", "disk must be at least 8 GB.");
        if (request["label"]?.ToString() is { Length: > 256 })
            return Invalid("invalid_args", "label is at most 256 characters.");
        if (request["env"] is not JsonObject env)
            return Invalid("invalid_args", "env must be an object.");
        if (env.Any(pair => (pair.Value?.ToString().Length ?? 0) > 256))
            return Invalid("invalid_args", "Each env value is at most 256 characters.");
        if (env.Sum(pair => pair.Key.Length + (pair.Value?.ToString().Length ?? 0)) > 32768)
            return Invalid("invalid_args", "env is at most 32768 characters in total.");
        return request["runtype"]?.ToString() is "args" or "ssh" or "ssh_direct" or "ssh_proxy" or "jupyter" or "jupyter_direct" or "jupyter_proxy"
            ? null
            : Invalid("invalid_args", "runtype must be args, ssh… or jupyter….");
    }

    private SimAnswer NoSuchAsk(long offerId, long? stray)
    {
        var answer = new JsonObject
        {
            ["success"] = false,
            ["error"] = "invalid_args",
            ["msg"] = $"error 404/3603: no_such_ask Instance type by id {offerId} is not available.",
            ["ask_id"] = offerId,
        };
        if (stray is long id)
        {
            answer["new_contract"] = id;
        }

        return SimAnswer.Json(Variants.NoSuchAskStatus, answer);
    }

    private static SimAnswer Invalid(string error, string message) =>
        SimAnswer.Json(400, new JsonObject { ["success"] = false, ["error"] = error, ["msg"] = message });

    private static JsonObject? ParseObject(string body)
    {
        try
        {
            return JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (string Field, bool Descending) Order(JsonNode? order)
    {
        if (order is JsonArray { Count: > 0 } clauses && clauses[0] is JsonArray { Count: 2 } first)
        {
            return (first[0]?.ToString() ?? "dph_total", first[1]?.ToString() == "desc");
        }

        return ("dph_total", false);
    }

    private static Func<string?, bool>? LabelFilter(string selectFilters)
    {
        if (ParseObject(selectFilters)?["label"] is not JsonObject label)
        {
            return null;
        }

        var values = label["in"] is JsonArray list ? list.Select(item => item?.ToString()).ToHashSet() : null;
        var equal = label["eq"]?.ToString();
        return candidate => (values is null || values.Contains(candidate)) && (equal is null || equal == candidate);
    }
}
