using System.Text.Json;
using System.Text.Json.Serialization;
using Refit;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>Serializer settings for Vast's JSON: snake_case names, numbers that may arrive as strings, unknown fields ignored.</summary>
internal static class VastJson
{
    /// <summary>The options every Vast body is read and written with: those of <see cref="VastJsonContext"/>, which describe only Vast's types.</summary>
    public static JsonSerializerOptions Options => VastJsonContext.Default.Options;

    /// <summary>Refit settings over <see cref="VastJsonContext"/>, without reflection; exceptions are stripped of the Authorization header.</summary>
    public static RefitSettings CreateRefitSettings()
    {
        var settings = RefitSettings.ForJsonContext(VastJsonContext.Default);
        // An ApiException keeps the live request; drop the bearer key before anything can serialize it.
        settings.ExceptionRedactor = exception => exception.RequestMessage.Headers.Authorization = null;
        return settings;
    }

    /// <summary>Encodes the listing's <c>limit</c> as JSON, the way Vast expects it.</summary>
    public static string Encode(int value) => JsonSerializer.Serialize(value, VastJsonContext.Default.Int32);

    /// <summary>Encodes the listing's <c>select_filters</c> as JSON: <c>{"label":{"in":[…]}}</c>.</summary>
    public static string Encode(VastInstanceFilter filter) => JsonSerializer.Serialize(filter, VastJsonContext.Default.VastInstanceFilter);
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
