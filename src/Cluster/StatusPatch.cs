using System.Text.Json.Nodes;
using k8s;

namespace LoraTrainer.Cluster;

/// <summary>
/// Builds JSON merge patches (RFC 7386) between two JSON documents: changed and added fields are set, removed fields
/// are set to null, arrays are replaced whole. Building from JSON rather than typed objects keeps the nulls that a
/// typed serializer would drop.
/// </summary>
public static class StatusPatch
{
    /// <summary>
    /// The merge patch that turns <paramref name="current"/>'s <c>status</c> into <paramref name="desired"/>, carrying
    /// <paramref name="resourceVersion"/> as a precondition; null when there is nothing to change.
    /// </summary>
    public static JsonObject? For(JsonNode? current, JsonNode? desired, string? resourceVersion)
    {
        if (!TryDiff(current, desired, out var diff))
        {
            return null;
        }

        var patch = new JsonObject { ["status"] = diff };
        if (resourceVersion is not null)
        {
            patch["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion };
        }

        return patch;
    }

    /// <summary>
    /// The merge patch that turns <paramref name="current"/> into <paramref name="desired"/> as they serialize for the
    /// API server, guarded by <paramref name="resourceVersion"/>; null when nothing would change.
    /// </summary>
    public static JsonObject? For<TStatus>(TStatus? current, TStatus desired, string? resourceVersion)
        where TStatus : class =>
        For(current is null ? null : JsonNode.Parse(KubernetesJson.Serialize(current)), JsonNode.Parse(KubernetesJson.Serialize(desired)), resourceVersion);

    /// <summary>False when the documents are equal; otherwise the merge patch from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool TryDiff(JsonNode? from, JsonNode? to, out JsonNode? patch)
    {
        patch = null;
        if (JsonNode.DeepEquals(from, to))
        {
            return false;
        }

        if (from is not JsonObject before || to is not JsonObject after)
        {
            patch = to?.DeepClone();
            return true;
        }

        var result = new JsonObject();
        foreach (var (name, value) in after)
        {
            if (TryDiff(before[name], value, out var child))
            {
                result[name] = child;
            }
        }

        foreach (var (name, value) in before)
        {
            if (!after.ContainsKey(name) && value is not null)
            {
                result[name] = null;
            }
        }

        patch = result;
        return result.Count > 0;
    }
}
