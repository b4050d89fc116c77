using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace LoraTrainer.Chart.Tests.Values;

/// <summary>The chart's values.schema.json, evaluated the way Helm does before rendering anything.</summary>
internal static class ValuesSchema
{
    public const string RelativePath = ChartFiles.Chart + "/values.schema.json";

    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(ChartFiles.Read(RelativePath)));

    /// <summary>The schema document itself, for checks of what it declares.</summary>
    public static JsonObject Document() => JsonNode.Parse(ChartFiles.Read(RelativePath))!.AsObject();

    /// <summary>One <c>/json/pointer: message</c> per violation; empty when the values are valid.</summary>
    public static IReadOnlyList<string> Errors(JsonNode values)
    {
        using var document = JsonDocument.Parse(values.ToJsonString());
        var result = Schema.Value.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : (result.Details ?? [])
                .Where(detail => !detail.IsValid && detail.Errors is { Count: > 0 } && !IsConditionOnly(detail.EvaluationPath.ToString()))
                .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Value}"))
                .Distinct()
                .ToList();
    }

    /// <summary>
    /// Failures under <c>if</c> only decide which branch applies, and those under <c>not</c> are what made it pass:
    /// neither is the user's error.
    /// </summary>
    private static bool IsConditionOnly(string evaluationPath) =>
        evaluationPath.Split('/').Any(segment => segment is "if" or "not");

    /// <summary>The schema of the value at <paramref name="path"/> (dotted, e.g. <c>operator.config.Vast</c>), with <c>$ref</c>s followed.</summary>
    public static JsonObject? At(JsonObject schema, string path)
    {
        JsonObject? node = schema;
        foreach (var segment in path.Split('.'))
        {
            node = Resolve(schema, node?["properties"]?[segment] as JsonObject);
        }

        return node;
    }

    /// <summary>Follows a local <c>$ref</c> (<c>#/definitions/x</c>), merging the referring node's own keywords over it.</summary>
    public static JsonObject? Resolve(JsonObject schema, JsonObject? node)
    {
        if (node?["$ref"]?.GetValue<string>() is not { } reference)
        {
            return node;
        }

        var target = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries)
            .Aggregate<string, JsonNode?>(schema, (current, segment) => current?[segment])!.DeepClone().AsObject();
        foreach (var (key, value) in node.Where(pair => pair.Key != "$ref"))
        {
            target[key] = value?.DeepClone();
        }

        return target;
    }

    /// <summary>The JSON types a schema node admits.</summary>
    public static IReadOnlyList<string> Types(JsonObject node) => node["type"] switch
    {
        JsonArray types => types.Select(type => type!.GetValue<string>()).ToList(),
        JsonValue type => [type.GetValue<string>()],
        _ => [],
    };
}
