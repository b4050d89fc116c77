using System.Text.Json;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Selectors;

/// <summary>A parsed <c>fieldSelector</c> (<c>metadata.name=x,metadata.namespace!=y</c>) limited to the fields the resource supports.</summary>
internal sealed class FieldSelector
{
    private readonly IReadOnlyList<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(IReadOnlyList<(string, bool, string)> terms) => _terms = terms;

    public static FieldSelector? Parse(string? text, ResourceType type)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var (field, equal, value) = ParseTerm(raw.Trim());
            if (field != "metadata.name" && field != "metadata.namespace" && !type.SelectableFields.Contains(field))
            {
                throw KubeErrors.BadRequest($"field label not supported: {field}");
            }

            terms.Add((type.FieldLabels.GetValueOrDefault(field, field), equal, value));
        }

        return new FieldSelector(terms);
    }

    /// <summary>The name this selector pins with <c>metadata.name=</c>, if any.</summary>
    public string? PinnedName => _terms.FirstOrDefault(t => t.Field == "metadata.name" && t.Equal).Value;

    public bool Matches(JsonObject obj) => _terms.All(t => (ValueAt(obj, t.Field) == t.Value) == t.Equal);

    private static (string Field, bool Equal, string Value) ParseTerm(string term)
    {
        foreach (var op in (string[])["!=", "==", "="])
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                return (term[..at].Trim(), op != "!=", term[(at + op.Length)..].Trim());
            }
        }

        throw KubeErrors.BadRequest($"invalid selector: '{term}'; can't understand '{term}'");
    }

    private static string ValueAt(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.Split('.'))
        {
            node = node is JsonObject o ? o[segment] : null;
        }

        return node switch
        {
            null => "",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            _ => node.ToJsonString(),
        };
    }
}
