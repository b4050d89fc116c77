using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraTrainer.Chart.Tests.GitOps;

/// <summary>Writes JSON as a Lua table constructor, the shape Argo CD hands a health script as <c>obj</c>.</summary>
internal static class LuaLiteral
{
    public static string From(JsonNode? node) => node switch
    {
        null => "nil",
        JsonObject map => "{" + string.Join(", ", map.Select(pair => $"[{Text(pair.Key)}] = {From(pair.Value)}")) + "}",
        JsonArray list => "{" + string.Join(", ", list.Select(From)) + "}",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => Text(value.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
            _ => "nil",
        },
        _ => "nil",
    };

    private static string Text(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when c < ' ' => $"\\{(int)c:D3}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
