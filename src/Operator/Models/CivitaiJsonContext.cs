using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Models;

/// <summary>Source-generated JSON metadata for Civitai's answers (Refit's generated client needs it; no reflection at run time).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CivitaiModelVersion))]
internal sealed partial class CivitaiJsonContext : JsonSerializerContext;
