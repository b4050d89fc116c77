using System.Text.Json;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;

namespace LoraTrainer.Testing.Kubernetes.Patching;

/// <summary>Strategic merge patch on the built-in kinds the fake serves: a merge patch, except for the lists whose Go
/// types declare a merge strategy, and the <c>$patch</c>, <c>$retainKeys</c>, <c>$deleteFromPrimitiveList</c> and
/// <c>$setElementOrder</c> directives.</summary>
/// <remarks>
/// Of the lists of these kinds only two merge: <c>metadata.finalizers</c> (as a set: new values are appended, present
/// ones kept) and <c>metadata.ownerReferences</c> (by <c>uid</c>: an entry with a known uid is merged into it, a new
/// one appended, one with <c>"$patch": "delete"</c> removed). Every other list is replaced whole. Element order
/// directives are accepted and not applied.
/// </remarks>
internal static class StrategicMergePatch
{
    private const string PatchDirective = "$patch";
    private const string RetainKeys = "$retainKeys";
    private const string DeleteFromPrimitiveList = "$deleteFromPrimitiveList/";
    private const string SetElementOrder = "$setElementOrder/";

    /// <summary>List fields that merge, by path from the object root, with the key their elements merge on (null for a set of scalars).</summary>
    private static readonly Dictionary<string, string?> MergingLists = new(StringComparer.Ordinal)
    {
        ["metadata.finalizers"] = null,
        ["metadata.ownerReferences"] = "uid",
    };

    public static JsonNode Apply(JsonNode current, JsonNode? patch) =>
        patch is JsonObject map
            ? MergeMap(current as JsonObject ?? [], map, "") ?? throw KubeErrors.BadRequest("a strategic merge patch may not delete the whole object")
            : throw KubeErrors.BadRequest("a strategic merge patch must be a JSON object");

    /// <summary>The merged map, or null when the patch says <c>"$patch": "delete"</c>.</summary>
    private static JsonObject? MergeMap(JsonObject original, JsonObject patch, string path)
    {
        switch (KubeJson.GetString(patch, PatchDirective))
        {
            case "delete":
                return null;
            case "replace":
                return MergeMap([], Without(patch, PatchDirective), path);
            case null or "merge":
                break;
            case var other:
                throw KubeErrors.BadRequest($"Unknown patch type: {other} in map: {patch.ToJsonString()}");
        }

        var result = (JsonObject)original.DeepClone();
        foreach (var (key, value) in patch)
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (key is PatchDirective or RetainKeys || key.StartsWith(SetElementOrder, StringComparison.Ordinal))
            {
                continue;
            }

            if (key.StartsWith(DeleteFromPrimitiveList, StringComparison.Ordinal))
            {
                var listKey = key[DeleteFromPrimitiveList.Length..];
                if (result[listKey] is JsonArray list && value is JsonArray doomed)
                {
                    result[listKey] = new JsonArray([.. list.Where(item => !doomed.Any(d => JsonNode.DeepEquals(d, item))).Select(item => item?.DeepClone())]);
                }

                continue;
            }

            if (key.StartsWith('$'))
            {
                throw KubeErrors.BadRequest($"unknown strategic merge patch directive {key} at {childPath}");
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonObject patchMap)
            {
                var merged = MergeMap(result[key] as JsonObject ?? [], patchMap, childPath);
                if (merged is null)
                {
                    result.Remove(key);
                }
                else
                {
                    result[key] = merged;
                }
            }
            else if (value is JsonArray patchList && MergingLists.TryGetValue(childPath, out var mergeKey))
            {
                result[key] = MergeList(result[key] as JsonArray ?? [], patchList, mergeKey, childPath);
            }
            else
            {
                result[key] = value.DeepClone();
            }
        }

        if (patch[RetainKeys] is JsonArray retained)
        {
            var keep = retained.Select(k => k?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Select(p => p.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(JsonArray original, JsonArray patch, string? mergeKey, string path)
    {
        if (patch.Any(item => item is JsonObject o && KubeJson.GetString(o, PatchDirective) == "replace"))
        {
            return new JsonArray([.. patch.Where(item => !(item is JsonObject o && o.ContainsKey(PatchDirective))).Select(item => item?.DeepClone())]);
        }

        var result = new JsonArray([.. original.Select(item => item?.DeepClone())]);
        foreach (var item in patch)
        {
            if (mergeKey is null)
            {
                if (!result.Any(existing => JsonNode.DeepEquals(existing, item)))
                {
                    result.Add(item?.DeepClone());
                }

                continue;
            }

            if (item is not JsonObject element || element[mergeKey] is not JsonValue keyValue || keyValue.GetValueKind() != JsonValueKind.String)
            {
                throw KubeErrors.BadRequest($"map: {item?.ToJsonString()} does not contain declared merge key: {mergeKey} at {path}");
            }

            var index = result.ToList().FindIndex(existing => KubeJson.GetString(existing, mergeKey) == keyValue.GetValue<string>());
            if (index < 0)
            {
                if (KubeJson.GetString(element, PatchDirective) != "delete")
                {
                    result.Add(MergeMap([], element, path));
                }
            }
            else if (MergeMap((JsonObject)result[index]!, element, path) is { } merged)
            {
                result[index] = merged;
            }
            else
            {
                result.RemoveAt(index);
            }
        }

        return result;
    }

    private static JsonObject Without(JsonObject map, string key) =>
        new(map.Where(p => p.Key != key).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
}
