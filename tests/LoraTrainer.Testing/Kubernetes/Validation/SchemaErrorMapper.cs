using System.Globalization;
using System.Text.Json.Nodes;
using Json.Schema;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>Translates JsonSchema.Net results into the field errors kube-apiserver reports for the same failures.</summary>
/// <remarks>
/// Wording follows kube-openapi's validator (<c>spec.x in body should be greater than or equal to 1</c>)
/// as converted by apiextensions-apiserver into <c>field.Error</c>s. Failures inside a <c>oneOf</c>/<c>anyOf</c>
/// branch count only when the composite itself fails, as in kube-openapi.
/// </remarks>
internal static class SchemaErrorMapper
{
    public static IReadOnlyList<FieldError> Map(EvaluationResults results, JsonObject schema, JsonNode instance)
    {
        var details = (results.Details ?? []).ToList();
        var validity = details
            .GroupBy(d => (Schema: d.EvaluationPath.ToString(), Instance: d.InstanceLocation.ToString()))
            .ToDictionary(g => g.Key, g => g.All(d => d.IsValid));
        var errors = new List<FieldError>();
        var reportedComposites = new HashSet<(string, string)>();
        foreach (var detail in details.Where(d => !d.IsValid))
        {
            var schemaPath = Segments(detail.EvaluationPath.ToString());
            var instancePath = Segments(detail.InstanceLocation.ToString());
            if (UnderPassingComposite(schemaPath, detail.InstanceLocation.ToString(), validity))
            {
                continue;
            }

            var subschema = Walk(schema, schemaPath) as JsonObject;
            var value = Walk(instance, instancePath);
            var field = FieldPath(instance, instancePath);
            foreach (var keyword in detail.Errors?.Keys ?? Enumerable.Empty<string>())
            {
                errors.AddRange(Render(keyword, subschema, value, field));
            }

            foreach (var composite in (string[])["oneOf", "anyOf"])
            {
                if (subschema?[composite] is JsonArray branches &&
                    reportedComposites.Add((detail.EvaluationPath + "/" + composite, detail.InstanceLocation.ToString())))
                {
                    var valid = Enumerable.Range(0, branches.Count).Count(i =>
                        validity.GetValueOrDefault(($"{Join(schemaPath)}/{composite}/{i}", detail.InstanceLocation.ToString())));
                    errors.AddRange(CompositeError(composite, valid, value, field));
                }
            }
        }

        return errors;
    }

    private static IEnumerable<FieldError> Render(string keyword, JsonObject? schema, JsonNode? value, string field)
    {
        var bound = schema?[keyword]?.ToJsonString() ?? "";
        var shown = KubeJson.DescribeValue(value);
        var inBody = $"{(field.Length == 0 ? "body" : field)} in body";
        switch (keyword)
        {
            case "required":
                var obj = value as JsonObject;
                foreach (var name in (schema?["required"] as JsonArray ?? []).Select(n => n!.GetValue<string>()).Where(n => obj?.ContainsKey(n) != true))
                {
                    yield return FieldError.Required(field.Length == 0 ? name : $"{field}.{name}");
                }

                yield break;
            case "type":
                var expected = schema?["type"] is JsonArray many ? string.Join(",", many.Select(t => t!.GetValue<string>())) : schema?["type"]?.GetValue<string>();
                var actual = KubeJson.TypeName(value);
                yield return FieldError.TypeInvalid(field, $"\"{actual}\"", $"{inBody} must be of type {expected}: \"{actual}\"");
                yield break;
            case "enum":
                yield return FieldError.NotSupported(field, shown, (schema?["enum"] as JsonArray ?? []).Select(KubeJson.DescribeValue));
                yield break;
            case "maxLength":
                yield return FieldError.TooLong(field, KubeJson.GetLong(schema?["maxLength"]));
                yield break;
            case "maxItems":
                yield return FieldError.TooMany(field, (value as JsonArray)?.Count ?? 0, KubeJson.GetLong(schema?["maxItems"]));
                yield break;
            case "maxProperties":
                yield return FieldError.TooMany(field, (value as JsonObject)?.Count ?? 0, KubeJson.GetLong(schema?["maxProperties"]));
                yield break;
        }

        var detail = keyword switch
        {
            "minimum" => $"should be greater than or equal to {bound}",
            "exclusiveMinimum" => $"should be greater than {bound}",
            "maximum" => $"should be less than or equal to {bound}",
            "exclusiveMaximum" => $"should be less than {bound}",
            "minLength" => $"should be at least {bound} chars long",
            "pattern" => $"should match '{schema?["pattern"]?.GetValue<string>()}'",
            "minItems" => $"should have at least {bound} items",
            "uniqueItems" => "shouldn't contain duplicates",
            "multipleOf" => $"should be a multiple of {bound}",
            "minProperties" => $"should have at least {bound} properties",
            "not" => "must not validate the schema (not)",
            _ => null,
        };
        if (detail is not null)
        {
            yield return FieldError.Invalid(field, shown, $"{inBody} {detail}");
        }
    }

    private static IEnumerable<FieldError> CompositeError(string composite, int valid, JsonNode? value, string field)
    {
        var inBody = $"{(field.Length == 0 ? "body" : field)} in body";
        var shown = $"\"{KubeJson.TypeName(value)}\"";
        if (composite == "oneOf" && valid != 1)
        {
            var found = valid == 0 ? "Found none valid" : $"Found {valid} valid alternatives";
            yield return FieldError.Invalid(field, shown, $"{inBody} must validate one and only one schema (oneOf). {found}");
        }
        else if (composite == "anyOf" && valid == 0)
        {
            yield return FieldError.Invalid(field, shown, $"{inBody} must validate at least one schema (anyOf)");
        }
    }

    /// <summary>True when the failure sits inside a oneOf/anyOf branch whose composite passed.</summary>
    private static bool UnderPassingComposite(IReadOnlyList<string> schemaPath, string instance, Dictionary<(string, string), bool> validity)
    {
        foreach (var (composite, prefix) in Composites(schemaPath))
        {
            var branches = Enumerable.Range(0, 64)
                .Select(i => validity.TryGetValue(($"{prefix}/{composite}/{i}", instance), out var ok) ? (bool?)ok : null)
                .TakeWhile(v => v is not null)
                .Count(v => v == true);
            if (composite == "oneOf" ? branches == 1 : branches > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The oneOf/anyOf keywords on a schema path, with the path of the schema holding each.</summary>
    private static IEnumerable<(string Composite, string Prefix)> Composites(IReadOnlyList<string> path)
    {
        var i = 0;
        while (i < path.Count)
        {
            var keyword = path[i];
            switch (keyword)
            {
                case "oneOf" or "anyOf" or "allOf":
                    if (keyword != "allOf")
                    {
                        yield return (keyword, Join(path.Take(i)));
                    }

                    i += 2;
                    break;
                case "properties" or "patternProperties" or "$defs":
                    i += 2;
                    break;
                default:
                    i += 1;
                    break;
            }
        }
    }

    /// <summary><c>spec.gpu.gpuNames[0]</c> from the pointer segments, using the instance to tell indexes from names.</summary>
    private static string FieldPath(JsonNode instance, IReadOnlyList<string> segments)
    {
        var builder = new System.Text.StringBuilder();
        JsonNode? node = instance;
        foreach (var segment in segments)
        {
            if (node is JsonArray array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                builder.Append('[').Append(segment).Append(']');
                node = index < array.Count ? array[index] : null;
            }
            else
            {
                builder.Append(builder.Length == 0 ? "" : ".").Append(segment);
                node = node is JsonObject o ? o[segment] : null;
            }
        }

        return builder.ToString();
    }

    private static JsonNode? Walk(JsonNode? node, IReadOnlyList<string> segments)
    {
        foreach (var segment in segments)
        {
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => null,
            };
        }

        return node;
    }

    private static IReadOnlyList<string> Segments(string pointer) =>
        pointer.Length <= 1 ? [] : [.. pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];

    private static string Join(IEnumerable<string> segments) =>
        string.Concat(segments.Select(s => "/" + s.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
}
