using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Patching;

/// <summary>Chooses how a PATCH body applies from its content type, refusing the kinds the resource does not take.</summary>
/// <remarks>
/// Custom resources accept merge and JSON patches but not strategic merge (it needs Go struct tags a CRD does not
/// have); built-in types take strategic merge patches too (<see cref="StrategicMergePatch"/>). Every kind takes
/// server-side apply (<c>application/apply-patch+yaml</c>), which <see cref="FieldManagement.FieldOwnership"/> implements.
/// </remarks>
internal static class PatchKinds
{
    public const string Merge = "application/merge-patch+json";
    public const string Json = "application/json-patch+json";
    public const string StrategicMerge = "application/strategic-merge-patch+json";
    public const string ApplyYaml = "application/apply-patch+yaml";

    public static bool IsApply(string? contentType) => MediaType(contentType) == ApplyYaml;

    public static JsonNode Apply(ResourceType type, string? contentType, JsonNode current, JsonNode? patch)
    {
        return MediaType(contentType) switch
        {
            Merge => MergePatch.Apply(current, patch) ?? throw KubeErrors.BadRequest("a merge patch may not remove the whole object"),
            Json => JsonPatch.Apply(current, patch),
            StrategicMerge when type.AcceptsStrategicMerge => StrategicMergePatch.Apply(current, patch),
            var other => throw KubeErrors.UnsupportedMediaType(other, Accepted(type)),
        };
    }

    /// <summary>Refuses, with 415, a patch kind this resource does not take, before the body is read.</summary>
    public static void EnsureSupported(ResourceType type, string? contentType)
    {
        var mediaType = MediaType(contentType);
        if (mediaType is not (Merge or Json) && !(mediaType == StrategicMerge && type.AcceptsStrategicMerge))
        {
            throw KubeErrors.UnsupportedMediaType(mediaType, Accepted(type));
        }
    }

    public static IEnumerable<string> Accepted(ResourceType type) =>
        type.AcceptsStrategicMerge ? [Json, Merge, ApplyYaml, StrategicMerge] : [Json, Merge, ApplyYaml];

    private static string MediaType(string? contentType) => contentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
}
