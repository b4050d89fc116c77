using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Tables;

/// <summary>The JSONPath subset printer columns use: <c>.a.b</c>, <c>['a']</c>, <c>[0]</c>, <c>[*]</c> and <c>[?(@.type=="Ready")]</c>.</summary>
internal static class SimpleJsonPath
{
    /// <summary>The first value the path finds, or null.</summary>
    public static JsonNode? First(JsonNode? root, string path)
    {
        var current = new List<JsonNode?> { root };
        var text = path.Trim().TrimStart('{').TrimEnd('}').Trim();
        var i = 0;
        while (i < text.Length && current.Count > 0)
        {
            if (text[i] == '.')
            {
                var end = i + 1;
                while (end < text.Length && text[end] != '.' && text[end] != '[')
                {
                    end++;
                }

                var name = text[(i + 1)..end];
                current = name.Length == 0 ? current : [.. current.Select(n => (n as JsonObject)?[name]).Where(n => n is not null)];
                i = end;
            }
            else if (text[i] == '[')
            {
                var end = text.IndexOf(']', i);
                if (text.AsSpan(i).StartsWith("[?("))
                {
                    end = text.IndexOf(")]", i, StringComparison.Ordinal) + 1;
                }

                if (end <= i)
                {
                    return null;
                }

                current = Index(current, text[(i + 1)..end]);
                i = end + 1;
            }
            else
            {
                return null;
            }
        }

        return current.Count > 0 ? current[0] : null;
    }

    private static List<JsonNode?> Index(List<JsonNode?> nodes, string selector)
    {
        if (selector.StartsWith('\'') || selector.StartsWith('"'))
        {
            var name = selector.Trim('\'', '"');
            return [.. nodes.Select(n => (n as JsonObject)?[name]).Where(n => n is not null)];
        }

        var items = nodes.OfType<JsonArray>().SelectMany(a => a).ToList();
        if (selector == "*")
        {
            return items;
        }

        if (selector.StartsWith("?(", StringComparison.Ordinal))
        {
            var filter = selector[2..^1];
            var parts = filter.Split("==", 2);
            if (parts.Length != 2 || !parts[0].Trim().StartsWith("@.", StringComparison.Ordinal))
            {
                return [];
            }

            var field = parts[0].Trim()[1..];
            var expected = parts[1].Trim().Trim('\'', '"');
            return [.. items.Where(item => Text(First(item, field)) == expected)];
        }

        return int.TryParse(selector, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)
            ? [.. nodes.OfType<JsonArray>().Select(a => index >= 0 && index < a.Count ? a[index] : index < 0 && -index <= a.Count ? a[a.Count + index] : null).Where(n => n is not null)]
            : [];
    }

    /// <summary>How kubectl's JSONPath printer shows a value: strings bare, everything else as JSON.</summary>
    public static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };
}
