using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>JSON values as CEL sees them in a custom resource: objects are maps, arrays lists, integers <c>int</c>,
/// and a field the schema types <c>number</c> a <c>double</c> even when written without a fraction.</summary>
internal static class CelValues
{
    public static object? From(JsonNode? value, SchemaNode? schema) => value switch
    {
        null => null,
        JsonObject map => Map(map, schema),
        JsonArray list => list.Select(item => From(item, schema?.Items)).ToList(),
        JsonValue scalar => Scalar(scalar, schema?.Type),
        _ => null,
    };

    private static Dictionary<string, object?> Map(JsonObject map, SchemaNode? schema)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, child) in map)
        {
            result[key] = From(child, schema?.Properties.GetValueOrDefault(key) ?? schema?.AdditionalProperties);
        }

        return result;
    }

    private static object? Scalar(JsonValue value, string? type) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when type != "number" && KubeJson.TryGetLong(value, out var integer) => integer,
        JsonValueKind.Number => double.Parse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}
