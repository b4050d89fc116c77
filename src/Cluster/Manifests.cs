using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LoraTrainer.Cluster;

/// <summary>Reads Kubernetes manifests (YAML or JSON) from text, files and folders, as <c>kubectl apply -f</c> would.</summary>
/// <remarks>
/// Scalars are typed as kubectl types them (YAML 1.2 core schema): plain <c>10</c>, <c>true</c> and <c>null</c> are a
/// number, a boolean and null, while quoted ones stay strings. Empty documents are skipped.
/// </remarks>
public static class Manifests
{
    /// <summary>Every object of a YAML (or JSON) text.</summary>
    /// <exception cref="InvalidDataException">A document is not an object.</exception>
    /// <exception cref="YamlException">The text is not YAML.</exception>
    public static IReadOnlyList<JsonObject> Parse(string yaml) =>
        [.. Documents(yaml).Select(d => d as JsonObject ?? throw new InvalidDataException("each YAML document must be a Kubernetes object (a mapping)"))];

    /// <summary>Every non-empty document of a YAML text as JSON, whatever its root (mapping, sequence or scalar).</summary>
    /// <exception cref="YamlException">The text is not YAML.</exception>
    public static IReadOnlyList<JsonNode> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => Convert(d.RootNode)).OfType<JsonNode>()];
    }

    /// <summary>Every object of a file, or of the <c>.yaml</c>/<c>.yml</c>/<c>.json</c> files of a folder in name order
    /// (as <c>kubectl apply -f</c>; with <paramref name="recursive"/>, of its subfolders too, as <c>kubectl apply -R -f</c>).</summary>
    public static IReadOnlyList<JsonObject> Load(string path, bool recursive = false) =>
        [.. Files(path, recursive).SelectMany(f => Parse(File.ReadAllText(f)))];

    /// <summary>The manifest files <see cref="Load"/> reads: <paramref name="path"/> itself if it is a file, else the
    /// <c>.yaml</c>/<c>.yml</c>/<c>.json</c> files of the folder (and, with <paramref name="recursive"/>, of its
    /// subfolders), ordered by their path below it.</summary>
    public static IReadOnlyList<string> Files(string path, bool recursive = false) =>
        Directory.Exists(path)
            ? [.. Directory.GetFiles(path, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)]
            : [path];

    /// <summary>Orders objects so that CustomResourceDefinitions come first (keeping the order otherwise), since objects
    /// of a custom kind can only be created once its CRD is.</summary>
    public static IReadOnlyList<T> CrdsFirst<T>(IEnumerable<T> items, Func<T, JsonObject> objectOf) =>
        [.. items.OrderBy(i => IsCrd(objectOf(i)) ? 0 : 1)];

    private static bool IsCrd(JsonObject obj) =>
        obj["kind"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && obj["kind"]!.GetValue<string>() == "CustomResourceDefinition" &&
        obj["apiVersion"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && obj["apiVersion"]!.GetValue<string>().StartsWith("apiextensions.k8s.io/", StringComparison.Ordinal);

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && !double.IsNaN(number)
                && !double.IsInfinity(number) => JsonValue.Create(number),
            _ => JsonValue.Create(text),
        };
    }
}
