using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>Reads a CUDA version such as <c>12.4</c>, written as a number or a string, as a <see cref="Version"/>.</summary>
/// <remarks>
/// The number's text is read, not its value: as a double 12.10 would be 12.1 and older than 12.9. Text that is no
/// version reads as null, which no requirement accepts.
/// </remarks>
internal sealed class CudaVersionConverter : JsonConverter<Version>
{
    public override bool HandleNull => true;

    public override Version? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => Parse(Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan)),
        JsonTokenType.String => Parse(reader.GetString()),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected a CUDA version, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, Version value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(decimal.Parse(value.ToString(), CultureInfo.InvariantCulture));

    /// <summary>Reads <c>12</c>, <c>12.4</c> or <c>12.10</c>; null for anything else.</summary>
    public static Version? Parse(string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        return Version.TryParse(trimmed.Contains('.', StringComparison.Ordinal) ? trimmed : trimmed + ".0", out var version) ? version : null;
    }
}
