using System.Text;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.FieldManagement;

/// <summary>A field path held as the tokens of <c>fieldsV1</c> (<c>f:spec</c>, <c>k:{"name":"x"}</c>, <c>v:"x"</c>) joined by newlines.</summary>
/// <remarks>
/// The tokens are the keys <c>metadata.managedFields[].fieldsV1</c> nests, so a set of these strings converts to and from
/// that format without a separate tree type. JSON-encoded tokens never contain a raw newline, which makes it a safe separator.
/// </remarks>
internal static class FieldPath
{
    private const char Separator = '\n';

    public static string Field(string parent, string name) => Join(parent, "f:" + name);

    /// <summary>An item of an associative list, named by its key fields in name order, as structured-merge-diff writes them.</summary>
    public static string Key(string parent, JsonObject item, IEnumerable<string> keys)
    {
        var fields = new JsonObject();
        foreach (var key in keys.Order(StringComparer.Ordinal))
        {
            fields[key] = item[key]?.DeepClone();
        }

        return Join(parent, "k:" + KubeJson.Compact(fields));
    }

    /// <summary>An item of a set list, named by its value.</summary>
    public static string Value(string parent, JsonNode? item) => Join(parent, "v:" + (item is null ? "null" : KubeJson.Compact(item)));

    public static string Join(string parent, string token) => parent.Length == 0 ? token : parent + Separator + token;

    public static string[] Tokens(string path) => path.Split(Separator);

    public static string Parent(string path) => path.LastIndexOf(Separator) is var at and >= 0 ? path[..at] : "";

    /// <summary>The path as conflict messages print it: <c>.spec.versions</c>, <c>.spec.ports[port=80]</c>, <c>.metadata.finalizers[="x"]</c>.</summary>
    public static string Display(string path)
    {
        var text = new StringBuilder();
        foreach (var token in Tokens(path))
        {
            var body = token[2..];
            _ = token[..2] switch
            {
                "f:" => text.Append('.').Append(body),
                "v:" => text.Append("[=").Append(body).Append(']'),
                "i:" => text.Append('[').Append(body).Append(']'),
                _ => text.Append('[').Append(string.Join(",", ((JsonObject)JsonNode.Parse(body)!)
                    .Select(p => $"{p.Key}={(p.Value is null ? "null" : KubeJson.Compact(p.Value))}"))).Append(']'),
            };
        }

        return text.ToString();
    }
}
