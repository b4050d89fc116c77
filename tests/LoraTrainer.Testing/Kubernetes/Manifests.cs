using System.Text.Json.Nodes;
using LoraTrainer.Testing.Yaml;

namespace LoraTrainer.Testing.Kubernetes;

/// <summary>Reads Kubernetes manifests (YAML or JSON) from files and folders, as <c>kubectl apply -f</c> would.</summary>
public static class Manifests
{
    /// <summary>Every object of a YAML text.</summary>
    /// <exception cref="InvalidDataException">A document is not an object.</exception>
    public static IReadOnlyList<JsonObject> Parse(string yaml) =>
        [.. YamlToJson.Documents(yaml).Select(d => d as JsonObject ?? throw new InvalidDataException("each YAML document must be a Kubernetes object (a mapping)"))];

    /// <summary>Every object of a file, or of the <c>.yaml</c>/<c>.yml</c>/<c>.json</c> files of a folder in name order.</summary>
    public static IReadOnlyList<JsonObject> Load(string path)
    {
        var files = Directory.Exists(path)
            ? Directory.GetFiles(path)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
            : (IEnumerable<string>)[path];
        return [.. files.SelectMany(f => Parse(File.ReadAllText(f)))];
    }
}
