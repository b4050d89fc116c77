using System.Text.Json;
using System.Text.Json.Serialization;
using LoraTrainer.Agent.Uploads;

namespace LoraTrainer.Agent;

/// <summary>
/// The JSON the agent keeps for itself (not on the wire), generated at build time for the Native AOT agent; the same
/// settings as the protocol's.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(MultipartUploader.UploadJournal))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
