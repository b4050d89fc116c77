using System.Globalization;

namespace LoraTrainer.Storage.ModelCache;

/// <summary>
/// What a cached object says about itself in its user metadata: the SHA-256 it was stored under, its size, the file's
/// original name and its source (never a URL's query, which may hold a token or a signature).
/// </summary>
internal sealed record CachedObjectMetadata(string Sha256, long? Bytes, string Name, string Source)
{
    private const string Sha256Key = "sha256";
    private const string SizeKey = "size";
    private const string NameKey = "name";
    private const string SourceKey = "source";

    /// <summary>The metadata to store; S3 metadata is ASCII, so the name and source are percent-encoded.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Sha256Key] = Sha256,
            [NameKey] = Uri.EscapeDataString(Name),
            [SourceKey] = Uri.EscapeDataString(Source),
        };
        if (Bytes is { } bytes)
        {
            metadata[SizeKey] = bytes.ToString(CultureInfo.InvariantCulture);
        }

        return metadata;
    }

    /// <summary>The metadata read back; null when the object carries no SHA-256, so it cannot be trusted.</summary>
    public static CachedObjectMetadata? From(IReadOnlyDictionary<string, string> metadata)
    {
        string? Read(string key) => metadata.TryGetValue(key, out var value) ? value : null;
        return Read(Sha256Key) is { Length: > 0 } sha256
            ? new CachedObjectMetadata(
                sha256,
                long.TryParse(Read(SizeKey), NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : null,
                Uri.UnescapeDataString(Read(NameKey) ?? ""),
                Uri.UnescapeDataString(Read(SourceKey) ?? ""))
            : null;
    }

    /// <summary>A source to record: the URL without its user info, query or fragment.</summary>
    public static string SourceOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "";
}
