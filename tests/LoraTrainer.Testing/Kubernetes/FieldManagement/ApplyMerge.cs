using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.FieldManagement;

/// <summary>Combines an applied configuration with the live object, and removes fields its manager no longer declares.</summary>
/// <remarks>
/// Granular maps merge key by key, set lists take the union, associative lists merge item by item on their keys, and
/// anything atomic (scalars, atomic lists and maps) is replaced by the configuration's value.
/// </remarks>
internal static class ApplyMerge
{
    public static JsonObject Merge(ResourceType type, JsonObject live, JsonObject config) =>
        (JsonObject)Merge(live, config, FieldSchema.Root(type))!;

    /// <summary>Removes the field at each path, if it is still there.</summary>
    public static void Remove(JsonObject obj, IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            var tokens = FieldPath.Tokens(path);
            JsonNode? node = obj;
            foreach (var token in tokens[..^1])
            {
                node = Step(node, token);
            }

            switch (node)
            {
                case JsonObject map when tokens[^1].StartsWith("f:", StringComparison.Ordinal):
                    map.Remove(tokens[^1][2..]);
                    break;
                case JsonArray list when IndexOf(list, tokens[^1]) is var index and >= 0:
                    list.RemoveAt(index);
                    break;
            }
        }
    }

    private static JsonNode? Merge(JsonNode? live, JsonNode? config, FieldSchema schema)
    {
        switch (live, config)
        {
            case (JsonObject liveMap, JsonObject configMap) when !schema.IsAtomicMap:
                var merged = KubeJson.Clone(liveMap);
                foreach (var (name, value) in configMap)
                {
                    merged[name] = Merge(liveMap[name], value, schema.Child(name));
                }

                return merged;
            case (JsonArray liveSet, JsonArray configSet) when schema.ListType == "set":
                var union = (JsonArray)liveSet.DeepClone();
                foreach (var item in configSet.Where(i => !liveSet.Any(l => JsonNode.DeepEquals(l, i))))
                {
                    union.Add(item?.DeepClone());
                }

                return union;
            case (JsonArray liveList, JsonArray configList) when schema.ListType == "map" && schema.MapKeys is { Count: > 0 } keys:
                var items = (JsonArray)liveList.DeepClone();
                foreach (var item in configList)
                {
                    var index = items.ToList().FindIndex(l => keys.All(k => JsonNode.DeepEquals(l?[k], item?[k])));
                    if (index >= 0)
                    {
                        items[index] = Merge(items[index], item, schema.Items);
                    }
                    else
                    {
                        items.Add(item?.DeepClone());
                    }
                }

                return items;
            default:
                return config?.DeepClone();
        }
    }

    private static JsonNode? Step(JsonNode? node, string token) => node switch
    {
        JsonObject map when token.StartsWith("f:", StringComparison.Ordinal) => map[token[2..]],
        JsonArray list when IndexOf(list, token) is var index and >= 0 => list[index],
        _ => null,
    };

    private static int IndexOf(JsonArray list, string token)
    {
        var body = JsonNode.Parse(token[2..]);
        return token[..2] switch
        {
            "v:" => list.ToList().FindIndex(i => JsonNode.DeepEquals(i, body)),
            "k:" when body is JsonObject keys => list.ToList().FindIndex(i => keys.All(k => JsonNode.DeepEquals(i?[k.Key], k.Value))),
            "i:" => body?.GetValue<int>() ?? -1,
            _ => -1,
        };
    }
}
