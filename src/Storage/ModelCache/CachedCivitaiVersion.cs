using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoraTrainer.Storage.ModelCache;

/// <summary>
/// What the cache records about a Civitai model version once its checkpoint is cached, as the object
/// <c>&lt;prefix&gt;/civitai/model-version/&lt;id&gt;.json</c>: enough to prepare a run of that version without asking
/// Civitai, so a cached model trains through a Civitai outage and without a Civitai key.
/// </summary>
/// <remarks>
/// Written only after the checkpoint's object is complete, and trusted only while that object is there and records the
/// same SHA-256: a record whose file was evicted or expired sends the run to Civitai, as a miss.
/// </remarks>
/// <param name="ModelVersionId">The Civitai model version.</param>
/// <param name="Sha256">The checkpoint's SHA-256 (lowercase hex), which names its cached object.</param>
/// <param name="Bytes">The checkpoint's size, when Civitai gave it.</param>
/// <param name="FileName">The checkpoint's file name.</param>
/// <param name="Family">The family Civitai's description implies (<c>sd15</c>, <c>sdxl</c>, <c>flux</c>); null when a run's own setting chose it.</param>
/// <param name="Name">The model's and version's names, as <c>status.model.name</c> shows them.</param>
internal sealed record CachedCivitaiVersion(long ModelVersionId, string Sha256, long? Bytes, string FileName, string? Family, string? Name)
{
    /// <summary>The record as stored.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CachedCivitaiVersionJsonContext.Default.CachedCivitaiVersion);

    /// <summary>A stored record read back; null when it is not one (another program's object, or cut short).</summary>
    public static CachedCivitaiVersion? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, CachedCivitaiVersionJsonContext.Default.CachedCivitaiVersion) is { Sha256.Length: 64, FileName.Length: > 0 } record
                ? record
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CachedCivitaiVersion))]
internal sealed partial class CachedCivitaiVersionJsonContext : JsonSerializerContext;
