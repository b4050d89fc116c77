using System.Globalization;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>
/// The checks of a CRD schema that JSON Schema does not express, node by node: string <c>format</c>s and CEL rules
/// (<c>x-kubernetes-validations</c>), with the node's type for converting values to CEL.
/// </summary>
/// <remarks>
/// Walked like apiextensions-apiserver walks the structural schema: a node's own rules run before its children's, over
/// properties, map values (<c>additionalProperties</c>) and list items; absent and null values are not checked. Field
/// paths read as the apiserver prints them (<c>spec.gpu.gpuNames[0]</c>, map values as <c>labels[key]</c>, the object
/// itself as <c>&lt;nil&gt;</c>).
/// </remarks>
internal sealed class SchemaNode
{
    /// <summary>How kube-apiserver prints the path of the object's root.</summary>
    public const string RootField = "<nil>";

    private SchemaNode()
    {
    }

    public string Type { get; private init; } = "";

    public string? Format { get; private init; }

    public IReadOnlyList<ValidationRule> Rules { get; private init; } = [];

    public IReadOnlyDictionary<string, SchemaNode> Properties { get; private init; } = new Dictionary<string, SchemaNode>();

    public SchemaNode? Items { get; private init; }

    public SchemaNode? AdditionalProperties { get; private init; }

    /// <summary>Whether this node or one below it has a rule.</summary>
    public bool HasRules { get; private init; }

    /// <summary>Whether this node or one below it has a checked format.</summary>
    private bool HasFormats { get; init; }

    /// <summary>Reads a schema, compiling its rules; a rule that does not compile is an error at its path (<c>openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule</c>).</summary>
    public static SchemaNode Build(JsonObject schema, string path, List<FieldError> compileErrors)
    {
        var properties = (schema["properties"] as JsonObject ?? [])
            .Where(p => p.Value is JsonObject)
            .ToDictionary(p => p.Key, p => Build((JsonObject)p.Value!, $"{path}.properties[{p.Key}]", compileErrors), StringComparer.Ordinal);
        var items = schema["items"] is JsonObject itemSchema ? Build(itemSchema, $"{path}.items", compileErrors) : null;
        var additional = schema["additionalProperties"] is JsonObject valueSchema ? Build(valueSchema, $"{path}.additionalProperties", compileErrors) : null;
        var rules = Compile(schema["x-kubernetes-validations"] as JsonArray ?? [], $"{path}.x-kubernetes-validations", compileErrors);
        var format = KubeJson.GetString(schema, "format");
        var checkedFormat = format is not null && SchemaFormats.IsChecked(format) ? format : null;
        IEnumerable<SchemaNode> children = [.. properties.Values, .. new[] { items, additional }.OfType<SchemaNode>()];
        return new SchemaNode
        {
            Type = KubeJson.GetString(schema, "type") ?? "",
            Format = checkedFormat,
            Rules = rules,
            Properties = properties,
            Items = items,
            AdditionalProperties = additional,
            HasRules = rules.Count > 0 || children.Any(c => c.HasRules),
            HasFormats = checkedFormat is not null || children.Any(c => c.HasFormats),
        };
    }

    /// <summary>The strings of <paramref name="value"/> that are not in their schema's format.</summary>
    public IReadOnlyList<FieldError> CheckFormats(JsonNode value)
    {
        var errors = new List<FieldError>();
        Walk(value, null, RootField, (node, at, _, path) =>
        {
            if (node.Format is { } format && at is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String &&
                !SchemaFormats.IsValid(format, v.GetValue<string>()))
            {
                errors.Add(SchemaFormats.Error(path, format, v.GetValue<string>()));
            }
        }, n => n.HasFormats);
        return errors;
    }

    /// <summary>The CEL rules <paramref name="value"/> breaks; <paramref name="old"/> is the object before an update, for transition rules.</summary>
    public IReadOnlyList<FieldError> CheckRules(JsonNode value, JsonNode? old)
    {
        var errors = new List<FieldError>();
        Walk(value, old, RootField, (node, at, before, path) =>
        {
            if (node.Rules.Count == 0)
            {
                return;
            }

            var self = CelValues.From(at, node);
            var oldSelf = before is null ? null : CelValues.From(before, node);
            foreach (var rule in node.Rules.Where(r => !r.IsTransition || before is not null))
            {
                if (rule.Check(self, oldSelf, path, node.Type) is { } error)
                {
                    errors.Add(error);
                }
            }
        }, n => n.HasRules);
        return errors;
    }

    private void Walk(JsonNode? value, JsonNode? old, string path,
        Action<SchemaNode, JsonNode, JsonNode?, string> visit, Func<SchemaNode, bool> worthIt)
    {
        if (value is null || !worthIt(this))
        {
            return;
        }

        visit(this, value, old, path);
        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var childOld = (old as JsonObject)?[name];
                    if (Properties.TryGetValue(name, out var property))
                    {
                        property.Walk(child, childOld, path == RootField ? name : $"{path}.{name}", visit, worthIt);
                    }
                    else
                    {
                        AdditionalProperties?.Walk(child, childOld, $"{path}[{name}]", visit, worthIt);
                    }
                }

                break;
            case JsonArray list when Items is not null:
                for (var i = 0; i < list.Count; i++)
                {
                    Items.Walk(list[i], null, $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", visit, worthIt);
                }

                break;
        }
    }

    private static IReadOnlyList<ValidationRule> Compile(JsonArray entries, string path, List<FieldError> compileErrors)
    {
        var rules = new List<ValidationRule>();
        for (var i = 0; i < entries.Count; i++)
        {
            try
            {
                rules.Add(ValidationRule.Compile(entries[i] as JsonObject ?? []));
            }
            catch (CelRuleException e)
            {
                var rule = KubeJson.GetString(entries[i], "rule") ?? "";
                compileErrors.Add(FieldError.Invalid($"{path}[{i.ToString(CultureInfo.InvariantCulture)}].rule", KubeJson.DescribeValue(rule), $"compilation failed: {e.Message}"));
            }
        }

        return rules;
    }
}
