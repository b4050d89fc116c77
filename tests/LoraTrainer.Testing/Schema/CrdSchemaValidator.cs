using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace LoraTrainer.Testing.Schema;

/// <summary>
/// Validates objects against a CRD's <c>openAPIV3Schema</c> with a real JSON Schema validator, after translating the
/// Kubernetes dialect (structural schema extensions) into plain JSON Schema.
/// </summary>
public sealed class CrdSchemaValidator
{
    private readonly JsonSchema _schema;
    private readonly JsonNode _translated;

    private CrdSchemaValidator(JsonNode translated)
    {
        _translated = translated;
        _schema = JsonSchema.FromText(translated.ToJsonString());
    }

    /// <summary>Builds a validator for the first served version of <paramref name="crd"/>.</summary>
    public static CrdSchemaValidator FromCrd(JsonNode crd)
    {
        var openApi = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.DeepClone();
        return new CrdSchemaValidator(Translate(openApi));
    }

    /// <summary>One readable error per violation (<c>spec.training.maxTrainEpochs: …</c>); empty when valid.</summary>
    public IReadOnlyList<string> Validate(JsonNode instance)
    {
        using var document = JsonDocument.Parse(instance.ToJsonString());
        var result = _schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        // Failures inside one branch of a oneOf only explain why that branch did not match: not the user's error.
        var invalid = (result.Details ?? [])
            .Where(d => !d.IsValid && !d.EvaluationPath.ToString().Contains("/oneOf/", StringComparison.Ordinal))
            .ToList();
        var errors = new List<string>();
        foreach (var detail in invalid)
        {
            var path = detail.EvaluationPath.ToString();
            var field = FieldPath(detail.InstanceLocation.ToString());
            if (path.EndsWith("/additionalProperties", StringComparison.Ordinal))
            {
                var name = field[(field.LastIndexOf('.') + 1)..];
                errors.Add($"{ParentOf(field)}: unknown field \"{name}\"");
            }
            else if (detail.Errors is { Count: > 0 })
            {
                errors.AddRange(detail.Errors.Select(e => $"{field}: {e.Value}"));
            }
            else if (!invalid.Any(d => d != detail && d.EvaluationPath.ToString().StartsWith(path + "/", StringComparison.Ordinal))
                && Resolve(path)?["oneOf"] is JsonArray alternatives)
            {
                var names = alternatives.Select(a => a?["required"]?[0]?.GetValue<string>()).OfType<string>();
                errors.Add($"{field}: exactly one of {string.Join(" or ", names)} must be set");
            }
        }

        return errors.Distinct().ToList();
    }

    private JsonNode? Resolve(string evaluationPath)
    {
        var node = _translated;
        foreach (var segment in evaluationPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = int.TryParse(segment, out var index) && node is JsonArray array ? array[index] : node?[segment];
        }

        return node;
    }

    private static string ParentOf(string field) =>
        field.Contains('.', StringComparison.Ordinal) ? field[..field.LastIndexOf('.')] : "<root>";

    private static string FieldPath(string pointer) =>
        pointer.Length <= 1 ? "<root>" : pointer.TrimStart('/').Replace('/', '.');

    /// <summary>Removes Kubernetes-only keywords and closes objects that do not preserve unknown fields.</summary>
    private static JsonNode Translate(JsonNode schemaNode)
    {
        if (schemaNode is not JsonObject schema)
        {
            return schemaNode;
        }

        var preserveUnknown = schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        foreach (var key in schema.Select(p => p.Key).Where(k => k.StartsWith("x-kubernetes-", StringComparison.Ordinal)).ToList())
        {
            schema.Remove(key);
        }

        // int32/int64 are OpenAPI formats a JSON Schema validator does not know; the type already says integer.
        if (schema["format"] is JsonValue format && format.GetValue<string>() is "int32" or "int64")
        {
            schema.Remove("format");
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach (var property in properties.Select(p => p.Value).OfType<JsonNode>())
            {
                Translate(property);
            }

            // Strict field validation: unknown fields are errors, as with kubectl's fieldValidation=Strict.
            if (!preserveUnknown && schema["additionalProperties"] is null)
            {
                schema["additionalProperties"] = false;
            }
        }

        foreach (var key in new[] { "items", "additionalProperties", "not" })
        {
            if (schema[key] is JsonObject child)
            {
                Translate(child);
            }
        }

        foreach (var key in new[] { "oneOf", "anyOf", "allOf" })
        {
            foreach (var child in (schema[key] as JsonArray)?.OfType<JsonNode>() ?? [])
            {
                Translate(child);
            }
        }

        return schema;
    }
}
