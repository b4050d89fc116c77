namespace LoraTrainer.Testing.Civitai;

/// <summary>A model version the Civitai fake serves.</summary>
/// <param name="Id">The model version id.</param>
/// <param name="BaseModel">Civitai's <c>baseModel</c>, e.g. <c>SDXL 1.0</c>.</param>
/// <param name="Air">The AIR, e.g. <c>urn:air:sdxl:checkpoint:civitai:1@2</c>; null to leave it out.</param>
/// <param name="Files">The version's files.</param>
public sealed record FakeCivitaiVersion(long Id, string? BaseModel, string? Air, IReadOnlyList<FakeCivitaiFile> Files)
{
    /// <summary>The model's name.</summary>
    public string ModelName { get; init; } = "Fake model";

    /// <summary>The model type: <c>Checkpoint</c>, <c>LORA</c>…</summary>
    public string ModelType { get; init; } = "Checkpoint";

    /// <summary>The version's name.</summary>
    public string VersionName { get; init; } = "v1.0";

    /// <summary>Downloads answer 401 without one of the fake's valid keys.</summary>
    public bool RequiresKey { get; init; }

    /// <summary>
    /// Downloads redirect to a signed file URL (true, as Civitai does) or answer the bytes directly (false,
    /// as a host that cannot redirect would), which makes the operator fall back to handing the agent the key.
    /// </summary>
    public bool RedirectsDownloads { get; init; } = true;

    /// <summary>A version with one primary SafeTensor model file of <paramref name="content"/>.</summary>
    public static FakeCivitaiVersion Checkpoint(long id, string? baseModel, string? air, string fileName, byte[] content) =>
        new(id, baseModel, air, [new FakeCivitaiFile(fileName, content)]);
}

/// <summary>One file of a fake model version.</summary>
/// <param name="Name">The file name.</param>
/// <param name="Content">The bytes served for it; size and SHA-256 are computed from them.</param>
public sealed record FakeCivitaiFile(string Name, byte[] Content)
{
    /// <summary><c>Model</c>, <c>Pruned Model</c>, <c>Training Data</c>…</summary>
    public string Type { get; init; } = "Model";

    /// <summary><c>SafeTensor</c> or <c>PickleTensor</c>.</summary>
    public string Format { get; init; } = "SafeTensor";

    /// <summary>Whether this is the primary file.</summary>
    public bool Primary { get; init; } = true;
}

/// <summary>A request the fake received.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path.</param>
/// <param name="Query">The query string, with its leading '?', or empty.</param>
/// <param name="Authorization">The Authorization header, or null.</param>
public sealed record CivitaiFakeRequest(string Method, string Path, string Query, string? Authorization);
