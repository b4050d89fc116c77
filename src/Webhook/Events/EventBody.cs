using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LoraTrainer.Protocol;
using Microsoft.Net.Http.Headers;

namespace LoraTrainer.Webhook.Events;

/// <summary>Reads an event body, and says what is wrong with one in the protocol's words.</summary>
/// <remarks>
/// System.Text.Json's own messages name .NET types ("could not be converted to System.Int64"), which mean nothing to
/// an agent's author and describe our code rather than the wire contract. The answer names the field by its JSON path
/// and the kind of value PROTOCOL.md gives it, found by walking the serializer's own contract for the path.
/// </remarks>
internal static class EventBody
{
    /// <summary>True for <c>application/json</c>, with or without parameters, in UTF-8 when a charset is named.</summary>
    public static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (media.Charset.Length == 0 || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    /// <summary>The event in <paramref name="body"/>, or why it cannot be read.</summary>
    public static (AgentEvent? Event, string? Error) Read(byte[] body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, ProtocolJsonContext.Default.AgentEvent) is { } evt
                ? (evt, null)
                : (null, "malformed JSON: the body is null");
        }
        catch (JsonException ex)
        {
            return (null, Explain(body, ex));
        }
    }

    private static string Explain(byte[] body, JsonException ex)
    {
        if (!IsWellFormed(body))
        {
            return $"malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}";
        }

        var path = ex.Path is null or "$" ? "" : ex.Path.TrimStart('$', '.');
        return path.Length == 0
            ? "malformed JSON: the body must be an object"
            : $"field '{path}' must be {Expected(path)}";
    }

    private static bool IsWellFormed(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The kind of value the contract expects at <paramref name="path"/> (e.g. <c>gpu.memoryMb</c>, <c>epochs[0].loss</c>).</summary>
    private static string Expected(string path)
    {
        var type = typeof(AgentEvent);
        foreach (var segment in path.Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            var property = ProtocolJson.Options.GetTypeInfo(type).Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                return "a valid value";
            }

            type = property.PropertyType;
            for (var depth = segment.Count(c => c == '['); depth > 0 && ElementOf(type) is { } element; depth--)
            {
                type = element;
            }
        }

        return KindOf(type);
    }

    private static Type? ElementOf(Type type) =>
        ProtocolJson.Options.GetTypeInfo(type) is { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } element } ? element : null;

    private static string KindOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "an RFC 3339 timestamp",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ => ProtocolJson.Options.GetTypeInfo(type).Kind switch
            {
                JsonTypeInfoKind.Enumerable => "an array",
                JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
                _ => "a valid value",
            },
        };
    }
}
