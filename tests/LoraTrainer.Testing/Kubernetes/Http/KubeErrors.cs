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
