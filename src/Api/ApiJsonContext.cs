using System.Text.Json.Serialization;
using k8s;

namespace LoraTrainer.Api;

/// <summary>
/// Build-time JSON metadata for the TrainingRun types, written as the Kubernetes client writes its own models
/// (camelCase, nulls omitted, RFC 3339 timestamps), so the wire format does not depend on reflection.
/// </summary>
/// <remarks>
/// A property with a default (<c>numGpus = 1</c>, <c>maxPricePerHour = 1.00</c>) has a setter, not <c>init</c>: generated
/// deserialization sets every init-only property, one missing from the document to the type's default, so a manifest
/// that leaves a field out would read <c>numGpus: 0</c>.
/// </remarks>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    Converters = [typeof(KubernetesJson.Iso8601TimeSpanConverter), typeof(KubernetesJson.KubernetesDateTimeConverter), typeof(KubernetesJson.KubernetesDateTimeOffsetConverter)])]
[JsonSerializable(typeof(TrainingRun))]
[JsonSerializable(typeof(TrainingRunList))]
[JsonSerializable(typeof(TrainingRunSpec))]
[JsonSerializable(typeof(TrainingRunStatus))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
