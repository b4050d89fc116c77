using System.Collections;
using System.Globalization;
using System.Text.Json;
using Tomlyn.Model;

namespace LoraTrainer.Agent.Training;

/// <summary>
/// Converts config argument values (JSON from the wire, or CLR values) into real TOML values: sd-scripts does
/// not convert what it reads from its config file, so <c>"32"</c> must become the integer 32 only if it was one.
/// </summary>
internal static class TomlValues
{
    /// <summary>The TOML value for <paramref name="value"/>; null for JSON null (the argument is left out).</summary>
    /// <exception cref="FormatException">The value has no TOML form sd-scripts could use (an object, a mixed list).</exception>
    public static object? From(object? value) => value switch
    {
        null => null,
        JsonElement json => FromJson(json),
        string s => s,
        bool b => b,
        int or long or short or byte or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        float f => (double)f,
        double or decimal => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        IEnumerable items => Array(items.Cast<object?>()),
        _ => throw new FormatException($"a {value.GetType().Name} has no TOML form"),
    };

    private static object? FromJson(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.String => json.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number => json.TryGetInt64(out var integer) ? integer : (object)json.GetDouble(),
        JsonValueKind.Array => Array(json.EnumerateArray().Select(e => (object?)e)),
        _ => throw new FormatException("an object is not an argument value; give a number, string, boolean or list"),
    };

    private static TomlArray Array(IEnumerable<object?> items)
    {
        var array = new TomlArray();
        foreach (var item in items)
        {
            var converted = From(item) ?? throw new FormatException("a list holds null");
            if (converted is TomlArray)
            {
                throw new FormatException("a list holds a list");
            }

            array.Add(converted);
        }

        return array;
    }
}
