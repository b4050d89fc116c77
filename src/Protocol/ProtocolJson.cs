using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Protocol;

/// <summary>The JSON settings both sides of the protocol use: camelCase, nulls omitted, unknown fields ignored.</summary>
public static class ProtocolJson
{
    /// <summary>Serializer options for every protocol document.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };
}
