using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes;

/// <summary>Small helpers for reading and writing Kubernetes objects held as JSON nodes.</summary>
internal static class KubeJson
{
    // Like Go's encoding/json, quotes are escaped as \" rather than \u0022, so messages read the same as the apiserver's.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        SkipValidation = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>RFC 3339 at second precision in UTC, the way the apiserver writes <c>metav1.Time</c>.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? GetString(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var segment in path)
        {
            node = node is JsonObject o ? o[segment] : null;
        }

        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }

    public static string? Name(JsonObject obj) => GetString(obj, "metadata", "name");

    public static string? Namespace(JsonObject obj) => GetString(obj, "metadata", "namespace");

    public static string? Uid(JsonObject obj) => GetString(obj, "metadata", "uid");

    public static long ResourceVersion(JsonObject obj) =>
        long.TryParse(GetString(obj, "metadata", "resourceVersion"), CultureInfo.InvariantCulture, out var rv) ? rv : 0;

    public static IReadOnlyList<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray a
            ? [.. a.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : "").Where(s => s.Length > 0)]
            : [];

    public static bool IsDeleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj)
    {
        if (obj["metadata"]?["labels"] is not JsonObject labels)
        {
            return new Dictionary<string, string>();
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in labels)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var s))
            {
                result[key] = s;
            }
        }

        return result;
    }

    public static JsonObject Clone(JsonObject obj) => (JsonObject)obj.DeepClone();

    /// <summary>Walks the whole tree so that a node published to concurrent readers is fully built.</summary>
    public static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                {
                    Materialize(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Materialize(child);
                }

                break;
        }
    }

    public static byte[] ToUtf8(JsonNode node)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static Utf8JsonWriter CreateWriter(System.Buffers.IBufferWriter<byte> output) => new(output, WriterOptions);

    /// <summary>A Go-like rendering of a JSON value for error messages: strings quoted, numbers as written.</summary>
    public static string DescribeValue(JsonNode? value) => value switch
    {
        null => "\"null\"",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonSerializer.Serialize(v.GetValue<string>(), SerializerOptions),
        _ => value.ToJsonString(SerializerOptions),
    };

    /// <summary>Compact JSON with quotes escaped as Go writes them.</summary>
    public static string Compact(JsonNode node) => node.ToJsonString(SerializerOptions);

    /// <summary>The OpenAPI type name of a JSON value, as the apiserver names it in type errors.</summary>
    public static string TypeName(JsonNode? value) => value?.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => IsInteger(value) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };

    public static bool IsInteger(JsonNode? value) => TryGetLong(value, out _);

    /// <summary>A JSON number without fraction or exponent as a long, whatever CLR type backs the node.</summary>
    public static bool TryGetLong(JsonNode? value, out long result)
    {
        result = 0;
        return value is JsonValue v && v.GetValueKind() == JsonValueKind.Number &&
               long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out result);
    }

    public static long GetLong(JsonNode? value, long fallback = 0) => TryGetLong(value, out var result) ? result : fallback;
}
