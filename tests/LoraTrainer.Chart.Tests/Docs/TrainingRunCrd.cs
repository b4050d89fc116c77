using System.Globalization;
using System.Text.Json.Nodes;

namespace LoraTrainer.Chart.Tests.Docs;

/// <summary>One property of the TrainingRun schema: its path (<c>spec.gpu.numGpus</c>, <c>status.epochs[].loss</c>) and its schema.</summary>
internal sealed record CrdField(string Path, JsonObject Schema, bool Required)
{
    /// <summary>The OpenAPI type: string, integer, number, boolean, object or array.</summary>
    public string? Type => Schema["type"]?.GetValue<string>();

    /// <summary>The enum values, empty when the field has none.</summary>
    public IReadOnlyList<string> Enum => [.. Schema["enum"]?.AsArray().Select(value => value!.ToString()) ?? []];

    /// <summary>The API server's default, as written in a manifest; null when there is none.</summary>
    public string? Default => Schema["default"]?.ToString();

    /// <summary>The numeric bounds the schema sets (minimum, maximum, maxLength, maxItems).</summary>
    public IReadOnlyList<(string Keyword, double Value)> Bounds =>
        [.. ((string[])["minimum", "maximum", "maxLength", "maxItems"])
            .Where(keyword => Schema[keyword] is not null)
            .Select(keyword => (keyword, double.Parse(Schema[keyword]!.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture)))];
}

/// <summary>The generated TrainingRun CRD, read as the API server reads it.</summary>
internal static class TrainingRunCrd
{
    public const string File = "config/crds/loratrainer.io_trainingruns.yaml";

    private static JsonObject Version() => ChartFiles.Yaml(File)["spec"]!["versions"]![0]!.AsObject();

    /// <summary>Every property under <c>spec</c> or <c>status</c>, depth first; array items' properties as <c>path[].name</c>.</summary>
    public static IReadOnlyList<CrdField> Fields(string root) =>
        [.. Children(root, Version()["schema"]!["openAPIV3Schema"]!["properties"]![root]!.AsObject())];

    /// <summary>The columns <c>kubectl get trainingruns</c> prints.</summary>
    public static IReadOnlyList<JsonObject> PrinterColumns() =>
        [.. Version()["additionalPrinterColumns"]!.AsArray().Select(column => column!.AsObject())];

    private static IEnumerable<CrdField> Children(string path, JsonObject schema)
    {
        var required = schema["required"]?.AsArray().Select(name => name!.GetValue<string>()).ToHashSet() ?? [];
        foreach (var (name, child) in schema["properties"]?.AsObject() ?? [])
        {
            var field = new CrdField($"{path}.{name}", child!.AsObject(), required.Contains(name));
            yield return field;
            foreach (var nested in Children(field.Path, field.Schema))
            {
                yield return nested;
            }

            if (field.Schema["items"] is JsonObject items)
            {
                foreach (var nested in Children($"{field.Path}[]", items))
                {
                    yield return nested;
                }
            }
        }
    }
}
