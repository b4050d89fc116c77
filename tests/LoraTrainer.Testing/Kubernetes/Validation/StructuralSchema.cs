using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>The parts of a CRD's structural schema that change an object before validation: pruning and defaults.</summary>
/// <remarks>
/// The apiserver drops fields the schema does not declare (unless <c>x-kubernetes-preserve-unknown-fields</c>
/// says to keep them) and fills in <c>default</c> values of absent fields. With <c>fieldValidation=Strict</c>
/// an undeclared field is an error instead.
/// </remarks>
internal static class StructuralSchema
{
    private static readonly string[] ResourceFields = ["apiVersion", "kind", "metadata"];

    /// <summary>Removes undeclared fields from <paramref name="obj"/> and returns their paths (<c>spec.foo</c>).</summary>
    public static IReadOnlyList<string> Prune(JsonObject obj, JsonObject schema)
    {
        var unknown = new List<string>();
        Prune(obj, schema, "", unknown, isResource: true);
        return unknown;
    }

    /// <summary>Sets every absent field that has a schema <c>default</c>.</summary>
    public static void ApplyDefaults(JsonNode? value, JsonObject? schema)
    {
        if (schema is null)
        {
            return;
        }

        if (value is JsonObject obj)
        {
            if (schema["properties"] is JsonObject properties)
            {
                foreach (var (name, child) in properties)
                {
                    if (child is not JsonObject childSchema)
                    {
                        continue;
                    }

                    var absent = !obj.TryGetPropertyValue(name, out var current) ||
                                 (current is null && childSchema["nullable"]?.GetValueKind() != JsonValueKind.True);
                    if (absent && childSchema["default"] is { } defaultValue)
                    {
                        obj[name] = defaultValue.DeepClone();
                    }

                    ApplyDefaults(obj[name], childSchema);
                }
            }

            if (schema["additionalProperties"] is JsonObject valueSchema)
            {
                foreach (var (_, child) in obj.ToList())
                {
                    ApplyDefaults(child, valueSchema);
                }
            }
        }
        else if (value is JsonArray array && schema["items"] is JsonObject itemSchema)
        {
            foreach (var item in array)
            {
                ApplyDefaults(item, itemSchema);
            }
        }
    }

    private static void Prune(JsonNode? value, JsonObject? schema, string path, List<string> unknown, bool isResource)
    {
        if (schema is null)
        {
            return;
        }

        if (value is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Prune(array[i], schema["items"] as JsonObject, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", unknown, IsEmbedded(schema["items"]));
            }

            return;
        }

        if (value is not JsonObject obj)
        {
            return;
        }

        var preserve = schema["x-kubernetes-preserve-unknown-fields"]?.GetValueKind() == JsonValueKind.True;
        var properties = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"];
        foreach (var (name, child) in obj.ToList())
        {
            var childPath = path.Length == 0 ? name : $"{path}.{name}";
            if (isResource && ResourceFields.Contains(name))
            {
                continue;
            }

            if (properties is not null && properties[name] is JsonObject propertySchema)
            {
                Prune(child, propertySchema, childPath, unknown, IsEmbedded(propertySchema));
            }
            else if (additional is JsonObject valueSchema)
            {
                Prune(child, valueSchema, childPath, unknown, IsEmbedded(valueSchema));
            }
            else if (!preserve && additional?.GetValueKind() != JsonValueKind.True)
            {
                unknown.Add(childPath);
                obj.Remove(name);
            }
        }
    }

    private static bool IsEmbedded(JsonNode? schema) =>
        schema?["x-kubernetes-embedded-resource"]?.GetValueKind() == JsonValueKind.True;
}
