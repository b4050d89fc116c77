using Refit;

namespace LoraTrainer.Operator.Models;

/// <summary>The part of Civitai's public REST API the operator uses.</summary>
/// <remarks>The key travels only in the Authorization header, never as <c>?token=</c>, so it cannot end up in a logged URL.</remarks>
internal interface ICivitaiApi
{
    /// <summary><c>GET /api/v1/model-versions/{id}</c>: a model version with its files and hashes.</summary>
    /// <param name="id">The model version id.</param>
    /// <param name="authorization"><c>Bearer {key}</c>, or null to call anonymously.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    [Get("/api/v1/model-versions/{id}")]
    Task<IApiResponse<CivitaiModelVersion>> GetModelVersionAsync(
        long id, [Header("Authorization")] string? authorization, CancellationToken cancellationToken);
}

/// <summary>A Civitai model version, as <c>/api/v1/model-versions/{id}</c> answers it (fields the operator reads).</summary>
internal sealed record CivitaiModelVersion
{
    /// <summary>The version id.</summary>
    public long Id { get; init; }
    /// <summary>The model id.</summary>
    public long ModelId { get; init; }
    /// <summary>The version's name.</summary>
    public string? Name { get; init; }
    /// <summary>e.g. <c>SD 1.5</c>, <c>SDXL 1.0</c>, <c>Pony</c>, <c>Flux.1 D</c>.</summary>
    public string? BaseModel { get; init; }
    /// <summary>e.g. <c>urn:air:sdxl:checkpoint:civitai:827184@2514310</c>.</summary>
    public string? Air { get; init; }
    /// <summary>The model this version belongs to.</summary>
    public CivitaiModel? Model { get; init; }
    /// <summary>The version's files.</summary>
    public IReadOnlyList<CivitaiFile>? Files { get; init; }
    /// <summary>Download URL of the primary file.</summary>
    public string? DownloadUrl { get; init; }
}

/// <summary>The model a version belongs to.</summary>
internal sealed record CivitaiModel
{
    /// <summary>The model's name.</summary>
    public string? Name { get; init; }
    /// <summary><c>Checkpoint</c>, <c>LORA</c>, <c>TextualInversion</c>…</summary>
    public string? Type { get; init; }
}

/// <summary>One file of a model version.</summary>
internal sealed record CivitaiFile
{
    /// <summary>The file name.</summary>
    public string? Name { get; init; }
    /// <summary>Size in KiB (bytes / 1024, as a float).</summary>
    public double SizeKB { get; init; }
    /// <summary><c>Model</c>, <c>Pruned Model</c>, <c>Training Data</c>, <c>VAE</c>…</summary>
    public string? Type { get; init; }
    /// <summary>Whether this is the version's primary file.</summary>
    public bool? Primary { get; init; }
    /// <summary>Format and precision.</summary>
    public CivitaiFileMetadata? Metadata { get; init; }
    /// <summary>Hashes by algorithm name (<c>SHA256</c>, <c>AutoV2</c>, <c>CRC32</c>, <c>BLAKE3</c>…), uppercase hex.</summary>
    public IReadOnlyDictionary<string, string>? Hashes { get; init; }
    /// <summary>Where to download this file.</summary>
    public string? DownloadUrl { get; init; }
}

/// <summary>A file's format details.</summary>
internal sealed record CivitaiFileMetadata
{
    /// <summary><c>SafeTensor</c> or <c>PickleTensor</c>.</summary>
    public string? Format { get; init; }
    /// <summary><c>full</c> or <c>pruned</c>.</summary>
    public string? Size { get; init; }
    /// <summary><c>fp16</c>, <c>fp32</c>, <c>bf16</c>…</summary>
    public string? Fp { get; init; }
}
