using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>Serializer settings for Vast's JSON: snake_case names, numbers that may arrive as strings, unknown fields ignored.</summary>
internal static class VastJson
{
    /// <summary>The options every Vast body is read and written with.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new LenientBooleanConverter() },
    };

    /// <summary>Refit settings using <see cref="Options"/>; exceptions are stripped of the Authorization header.</summary>
    public static RefitSettings CreateRefitSettings() => new(new SystemTextJsonContentSerializer(Options))
    {
        // An ApiException keeps the live request; drop the bearer key before anything can serialize it.
        ExceptionRedactor = exception => exception.RequestMessage.Headers.Authorization = null,
    };

    /// <summary>Encodes a value as JSON, the way Vast expects the listing's <c>limit</c> and <c>select_filters</c>.</summary>
    public static string Encode<T>(T value) => JsonSerializer.Serialize(value, Options);
}

/// <summary>Reads <c>true</c>, <c>"true"</c>, <c>1</c> and <c>"1"</c> as true: Vast is not consistent about booleans.</summary>
internal sealed class LenientBooleanConverter : JsonConverter<bool>
{
    public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Number => reader.TryGetDouble(out var number) && number != 0,
        JsonTokenType.String => reader.GetString()?.Trim().ToLowerInvariant() is "true" or "1" or "yes",
        _ => throw new JsonException($"Expected a boolean, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
}

/// <summary>Reads a string with surrounding whitespace removed (Vast pads some addresses with newlines).</summary>
internal sealed class TrimmedStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString()?.Trim(),
        JsonTokenType.Number => reader.TryGetInt64(out var whole) ? whole.ToString(System.Globalization.CultureInfo.InvariantCulture) : reader.GetDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new JsonException($"Expected a string, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
