using System.Globalization;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;

namespace LoraTrainer.Testing.Kubernetes.Patching;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy and test, applied in order, all or nothing.</summary>
/// <remarks>A failing <c>test</c> (the usual guard on <c>/metadata/resourceVersion</c>) answers 422 like the apiserver.</remarks>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw KubeErrors.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        var root = new JsonObject { ["doc"] = document.DeepClone() };
        foreach (var op in operations)
        {
            if (op is not JsonObject operation)
            {
                throw KubeErrors.BadRequest("json patch operation must be an object");
            }

            ApplyOne(root, operation);
        }

        return root["doc"]!.DeepClone();
    }

    private static void ApplyOne(JsonObject root, JsonObject operation)
    {
        var kind = KubeJson.GetString(operation, "op") ?? throw KubeErrors.BadRequest("json patch operation has no \"op\"");
        var path = KubeJson.GetString(operation, "path") ?? throw KubeErrors.BadRequest($"json patch {kind} operation has no \"path\"");
        switch (kind)
        {
            case "add":
                Add(root, path, Value(operation, kind));
                break;
            case "remove":
                Remove(root, path, kind);
                break;
            case "replace":
                Remove(root, path, kind);
                Add(root, path, Value(operation, kind));
                break;
            case "move":
                var moved = Remove(root, From(operation, kind), kind);
                Add(root, path, moved);
                break;
            case "copy":
                Add(root, path, Find(root, From(operation, kind), kind)?.DeepClone());
                break;
            case "test":
                if (!JsonNode.DeepEquals(Find(root, path, kind), operation["value"]))
                {
                    throw Unprocessable($"testing value {path} failed: test failed");
                }

                break;
            default:
                throw KubeErrors.BadRequest($"Unexpected kind: {kind}");
        }
    }

    private static JsonNode? Value(JsonObject operation, string kind) =>
        operation.ContainsKey("value") ? operation["value"]?.DeepClone() : throw KubeErrors.BadRequest($"{kind} operation has no \"value\"");

    private static string From(JsonObject operation, string kind) =>
        KubeJson.GetString(operation, "from") ?? throw KubeErrors.BadRequest($"{kind} operation has no \"from\"");

    private static JsonNode? Find(JsonObject root, string path, string kind)
    {
        var (parent, token) = Parent(root, path, kind);
        return parent switch
        {
            JsonObject o when o.TryGetPropertyValue(token, out var value) => value,
            JsonArray a when Index(token, a.Count - 1, path, kind) is var i => a[i],
            _ => throw Missing(kind, path),
        };
    }

    private static void Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, token) = Parent(root, path, "add");
        switch (parent)
        {
            case JsonObject o:
                o.Remove(token);
                o[token] = value;
                break;
            case JsonArray a when token == "-":
                a.Add(value);
                break;
            case JsonArray a:
                a.Insert(Index(token, a.Count, path, "add"), value);
                break;
            default:
                throw Missing("add", path);
        }
    }

    private static JsonNode? Remove(JsonObject root, string path, string kind)
    {
        var (parent, token) = Parent(root, path, kind);
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(token, out var value):
                o.Remove(token);
                return value;
            case JsonArray a:
                var i = Index(token, a.Count - 1, path, kind);
                var removed = a[i];
                a.RemoveAt(i);
                return removed;
            default:
                throw Missing(kind, path);
        }
    }

    private static (JsonNode? Parent, string Token) Parent(JsonObject root, string path, string kind)
    {
        if (path.Length > 0 && path[0] != '/')
        {
            throw KubeErrors.BadRequest($"invalid JSON pointer \"{path}\"");
        }

        var tokens = path.Length == 0 ? [] : path[1..].Split('/').Select(Unescape).ToArray();
        JsonNode? node = root;
        var parentToken = "doc";
        foreach (var token in tokens)
        {
            node = Child(node, parentToken, path, kind);
            parentToken = token;
        }

        return (node, parentToken);
    }

    private static JsonNode? Child(JsonNode? node, string token, string path, string kind) => node switch
    {
        JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
        JsonArray a => a[Index(token, a.Count - 1, path, kind)],
        _ => throw Missing(kind, path),
    };

    private static int Index(string token, int max, string path, string kind) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= max
            ? i
            : throw Unprocessable($"{kind} operation does not apply: doc is missing path: \"{path}\": index out of bounds");

    private static string Unescape(string token) => token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    private static KubeApiException Missing(string kind, string path) =>
        Unprocessable($"{kind} operation does not apply: doc is missing path: \"{path}\": missing value");

    private static KubeApiException Unprocessable(string message) => new(422, "Invalid", message);
}
