using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>Turns a Kubernetes structural schema (OpenAPI v3 flavoured) into a JSON Schema 2020-12 document.</summary>
/// <remarks>
/// Differences handled: <c>nullable</c> becomes a <c>"null"</c> type; boolean <c>exclusiveMinimum</c> /
/// <c>exclusiveMaximum</c> (OpenAPI 3.0) become numeric bounds; <c>x-kubernetes-int-or-string</c> becomes
/// <c>["integer","string"]</c>; other <c>x-kubernetes-*</c> extensions, formats and annotations are dropped here, and
/// <see cref="SchemaNode"/> checks the formats and the CEL rules of <c>x-kubernetes-validations</c> instead. The root
/// <c>metadata</c> is validated by the apiserver's ObjectMeta rules, not by the schema, so it only has to be an object.
/// </remarks>
internal static class JsonSchemaConversion
{
    private static readonly HashSet<string> Copied =
    [
        "type", "enum", "required", "pattern", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
        "minProperties", "maxProperties", "multipleOf", "title",
    ];

    public static JsonObject Convert(JsonObject schema)
    {
        var converted = ConvertNode(schema);
        if (converted["properties"] is JsonObject properties && properties.ContainsKey("metadata"))
        {
            properties["metadata"] = new JsonObject { ["type"] = "object" };
        }

        return converted;
    }

    private static JsonObject ConvertNode(JsonObject schema)
    {
        var result = new JsonObject();
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "properties" when value is JsonObject properties:
                    result[key] = new JsonObject(properties.Select(p =>
                        KeyValuePair.Create(p.Key, (JsonNode?)(p.Value is JsonObject o ? ConvertNode(o) : new JsonObject()))));
                    break;
                case "items" or "additionalProperties" or "not" when value is JsonObject sub:
                    result[key] = ConvertNode(sub);
                    break;
                case "additionalProperties" when value is not null:
                    result[key] = value.DeepClone();
                    break;
                case "allOf" or "anyOf" or "oneOf" when value is JsonArray branches:
                    result[key] = new JsonArray([.. branches.Select(b => (JsonNode?)(b is JsonObject o ? ConvertNode(o) : new JsonObject()))]);
                    break;
                case "minimum" or "maximum":
                    var exclusive = key == "minimum" ? "exclusiveMinimum" : "exclusiveMaximum";
                    result[schema[exclusive]?.GetValueKind() == JsonValueKind.True ? exclusive : key] = value?.DeepClone();
                    break;
                case "exclusiveMinimum" or "exclusiveMaximum" when value?.GetValueKind() == JsonValueKind.Number:
                    result[key] = value.DeepClone();
                    break;
                case var copied when Copied.Contains(copied):
                    result[key] = value?.DeepClone();
                    break;
            }
        }

        if (schema["x-kubernetes-int-or-string"]?.GetValueKind() == JsonValueKind.True && !result.ContainsKey("type"))
        {
            result["type"] = new JsonArray("integer", "string");
        }

        if (schema["nullable"]?.GetValueKind() == JsonValueKind.True)
        {
            AllowNull(result);
        }

        return result;
    }

    private static void AllowNull(JsonObject result)
    {
        switch (result["type"])
        {
            case JsonValue single:
                result["type"] = new JsonArray(single.GetValue<string>(), "null");
                break;
            case JsonArray many when !many.Any(t => t?.GetValue<string>() == "null"):
                many.Add("null");
                break;
        }

        if (result["enum"] is JsonArray values && !values.Any(v => v is null))
        {
            values.Add(null);
        }
    }
}
