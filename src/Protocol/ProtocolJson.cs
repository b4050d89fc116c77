using System.Text.Json;

namespace LoraTrainer.Protocol;

/// <summary>The JSON settings both sides of the protocol use: camelCase, nulls omitted, unknown fields ignored.</summary>
/// <remarks>
/// A protocol property with a default (<c>gpus = 1</c>, <c>captionExtension = ".txt"</c>) has a setter, not <c>init</c>:
/// generated deserialization sets every init-only property, one missing from the document to the type's default, so
/// a document from an older peer would read <c>gpus: 0</c>.
/// </remarks>
public static class ProtocolJson
{
    /// <summary>
    /// Serializer options for every protocol document, backed by <see cref="ProtocolJsonContext"/> alone: a type outside
    /// the protocol is refused rather than read by reflection. Read-only, so their type metadata can be read before any
    /// document is.
    /// </summary>
    public static JsonSerializerOptions Options => ProtocolJsonContext.Default.Options;

    /// <summary>
    /// <paramref name="value"/> when it is a finite number, null otherwise: JSON has no NaN or infinity, so an unusable
    /// number is left out rather than failing the document.
    /// </summary>
    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
