using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Protocol;

/// <summary>
/// The protocol's JSON metadata, generated at build time, so that the agent, the receiver and the operator read and
/// write the wire documents without reflection (they are published as Native AOT). Its settings are those of
/// <see cref="ProtocolJson.Options"/>: camelCase, nulls omitted, numbers readable from strings.
/// </summary>
/// <remarks>
/// The scalar types are listed because <see cref="TrainingArgs.Others"/> holds untyped values, and writing an
/// <see cref="object"/> needs the metadata of the value's own type.
/// </remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(AgentConfig))]
[JsonSerializable(typeof(AgentEvent))]
[JsonSerializable(typeof(EventAck))]
[JsonSerializable(typeof(TrainingArgs))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<object>))]
[JsonSerializable(typeof(Dictionary<string, object>))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
