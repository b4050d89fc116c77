using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LoraTrainer.Testing.Kubernetes;

/// <summary>Reads (multi-document) Kubernetes YAML into JSON objects, resolving plain scalars by the YAML 1.2 core schema like kubectl does.</summary>
public static partial class YamlJson
{
    /// <summary>Every non-empty document of <paramref name="yaml"/>, as JSON objects.</summary>
    /// <exception cref="InvalidDataException">The text is not YAML, or a document is not a mapping.</exception>
    public static IReadOnlyList<JsonObject> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"invalid YAML at line {e.Start.Line}: {e.Message}", e);
        }

        var documents = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            switch (Convert(document.RootNode))
            {
                case JsonObject obj:
                    documents.Add(obj);
                    break;
                case null:
                    break;
                default:
                    throw new InvalidDataException("each YAML document must be a mapping (a Kubernetes object)");
            }
        }

        return documents;
    }

    /// <summary>Every Kubernetes object in a YAML file, or in the <c>.yaml</c>/<c>.yml</c>/<c>.json</c> files of a directory (sorted by name).</summary>
    public static IReadOnlyList<JsonObject> LoadPath(string path)
    {
        var files = Directory.Exists(path)
            ? Directory.GetFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
            : (IEnumerable<string>)[path];
        return [.. files.SelectMany(f => ParseAll(File.ReadAllText(f)))];
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", Convert(kv.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag == "tag:yaml.org,2002:str" || scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(text[0] is 't' or 'T');
        }

        if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
