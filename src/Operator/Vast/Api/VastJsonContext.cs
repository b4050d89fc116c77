using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Operator.Vast.Api;

/// <summary>
/// Vast's JSON metadata, generated at build time, so that the client reads and writes Vast's bodies without reflection
/// (the operator is published as Native AOT). Its settings are Vast's: snake_case names, numbers that may arrive as
/// strings, booleans written as numbers or strings, unknown fields ignored and nulls left out of requests.
/// </summary>
/// <remarks>
/// The scalar and array types are listed because a search filter's value is untyped (<see cref="VastFilterClause.Value"/>),
/// and writing an <see cref="object"/> needs the metadata of the value's own type.
/// </remarks>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(LenientBooleanConverter)])]
[JsonSerializable(typeof(VastSearchQuery))]
[JsonSerializable(typeof(VastOfferList))]
[JsonSerializable(typeof(VastCreateRequest))]
[JsonSerializable(typeof(VastCreateResponse))]
[JsonSerializable(typeof(VastShowResponse))]
[JsonSerializable(typeof(VastInstanceList))]
[JsonSerializable(typeof(List<VastInstance>))]
[JsonSerializable(typeof(VastSuccess))]
[JsonSerializable(typeof(VastEmptyBody))]
[JsonSerializable(typeof(VastLabelRequest))]
[JsonSerializable(typeof(VastInstanceFilter))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(long[]))]
internal sealed partial class VastJsonContext : JsonSerializerContext;
