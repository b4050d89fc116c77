using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>The errors kube-apiserver answers, worded as it words them.</summary>
internal static class KubeErrors
{
    public static KubeApiException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", Details(type, name));

    public static KubeApiException NotFound(string message) => new(404, "NotFound", message);

    public static KubeApiException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", Details(type, name));

    public static KubeApiException Conflict(ResourceType type, string name, string why =
        "the object has been modified; please apply your changes to the latest version and try again") =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": {why}", Details(type, name));

    public static KubeApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubeApiException Forbidden(ResourceType type, string name, string why) =>
        new(403, "Forbidden", $"{type.QualifiedResource} \"{name}\" is forbidden: {why}", Details(type, name));

    public static KubeApiException MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    public static KubeApiException UnsupportedMediaType(string contentType, IEnumerable<string> accepted) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format ({contentType}) - accepted media types include: {string.Join(", ", accepted)}");

    public static KubeApiException Expired(string message) => new(410, "Expired", message);

    /// <summary>422 with one cause per field error, e.g. <c>TrainingRun.loratrainer.io "x" is invalid: spec.dataset: Required value</c>.</summary>
    public static KubeApiException Invalid(ResourceType type, string name, IReadOnlyList<FieldError> errors)
    {
        var rendered = errors.Select(e => e.ToString()).Distinct().ToList();
        var body = rendered.Count == 1 ? rendered[0] : $"[{string.Join(", ", rendered)}]";
        var details = Details(type, name, useKind: true);
        details["causes"] = new JsonArray([.. errors.Select(e => (JsonNode)new JsonObject
        {
            ["reason"] = e.CauseReason,
            ["message"] = e.Body,
            ["field"] = e.Field,
        })]);
        return new KubeApiException(422, "Invalid", $"{type.QualifiedKind} \"{name}\" is invalid: {body}", details);
    }

    /// <summary>422 for bad PATCH query parameters, e.g. <c>PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch</c>.</summary>
    public static KubeApiException InvalidPatchOptions(FieldError error) =>
        new(422, "Invalid", $"PatchOptions.meta.k8s.io \"\" is invalid: {error}", new JsonObject
        {
            ["name"] = "",
            ["group"] = "meta.k8s.io",
            ["kind"] = "PatchOptions",
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = error.CauseReason, ["message"] = error.Body, ["field"] = error.Field }),
        });

    /// <summary>409 for a server-side apply that would change fields other managers own, worded and detailed as kube-apiserver does.</summary>
    /// <param name="conflicts">Each conflicting manager (as <c>"name" using v1</c>) with the field it owns (<c>.spec.x</c>).</param>
    public static KubeApiException ApplyConflict(IReadOnlyList<(string Manager, string Field)> conflicts)
    {
        var sorted = conflicts.OrderBy(c => c.Manager, StringComparer.Ordinal).ThenBy(c => c.Field, StringComparer.Ordinal).ToList();
        var message = sorted.Count == 1
            ? $"Apply failed with 1 conflict: conflict with {sorted[0].Manager}: {sorted[0].Field}"
            : $"Apply failed with {sorted.Count} conflicts: " + string.Join("\n", sorted.GroupBy(c => c.Manager)
                .SelectMany(g => g.Select(c => $"- {c.Field}").Prepend($"conflicts with {g.Key}:")));
        var causes = new JsonArray([.. sorted.Select(c => (JsonNode)new JsonObject
        {
            ["reason"] = "FieldManagerConflict",
            ["message"] = $"conflict with {c.Manager}",
            ["field"] = c.Field,
        })]);
        return new KubeApiException(409, "Conflict", message, new JsonObject { ["causes"] = causes });
    }

    private static JsonObject Details(ResourceType type, string name, bool useKind = false)
    {
        var details = new JsonObject { ["name"] = name };
        if (type.Group.Length > 0)
        {
            details["group"] = type.Group;
        }

        details["kind"] = useKind ? type.Kind : type.Plural;
        return details;
    }
}
