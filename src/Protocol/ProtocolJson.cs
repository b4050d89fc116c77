using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Protocol;

/// <summary>The JSON settings both sides of the protocol use: camelCase, nulls omitted, unknown fields ignored.</summary>
public static class ProtocolJson
{
    /// <summary>Serializer options for every protocol document; read-only, so their type metadata can be read before any document is.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>
    /// <paramref name="value"/> when it is a finite number, null otherwise: JSON has no NaN or infinity, so an unusable
    /// number is left out rather than failing the document.
    /// </summary>
    public static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowReadingFromString,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
