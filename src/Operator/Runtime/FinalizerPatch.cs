using System.Text.Json.Nodes;
using k8s.Models;
using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// JSON patches that add or remove one finalizer, guarded by a <c>test</c> of the resourceVersion: a plain merge patch
/// would replace the whole list and could drop another controller's finalizer.
/// </summary>
public static class FinalizerPatch
{
    /// <summary>The patch adding <paramref name="finalizer"/>, or null when it is already there.</summary>
    public static V1Patch? Add(V1ObjectMeta metadata, string finalizer)
    {
        var finalizers = metadata.Finalizers ?? [];
        if (finalizers.Contains(finalizer))
        {
            return null;
        }

        var operation = finalizers.Count == 0
            ? Operation("add", "/metadata/finalizers", new JsonArray(finalizer))
            : Operation("add", "/metadata/finalizers/-", finalizer);
        return Build(metadata.ResourceVersion, operation);
    }

    /// <summary>The patch removing <paramref name="finalizer"/>, or null when it is not there.</summary>
    public static V1Patch? Remove(V1ObjectMeta metadata, string finalizer)
    {
        var index = metadata.Finalizers?.IndexOf(finalizer) ?? -1;
        if (index < 0)
        {
            return null;
        }

        var path = $"/metadata/finalizers/{index}";
        return Build(metadata.ResourceVersion, Operation("test", path, finalizer), Operation("remove", path, null));
    }

    private static V1Patch Build(string resourceVersion, params JsonObject[] operations)
    {
        var patch = new JsonArray(Operation("test", "/metadata/resourceVersion", resourceVersion));
        foreach (var operation in operations)
        {
            patch.Add((JsonNode)operation);
        }

        return new V1Patch(patch.ToJsonString(), V1Patch.PatchType.JsonPatch);
    }

    private static JsonObject Operation(string op, string path, JsonNode? value)
    {
        var operation = new JsonObject { ["op"] = op, ["path"] = path };
        if (op != "remove")
        {
            operation["value"] = value;
        }

        return operation;
    }
}
