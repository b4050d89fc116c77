namespace LoraTrainer.Protocol;

/// <summary>
/// One model file's place in the user's model cache, an S3 prefix where each file lives once under its SHA-256. On a
/// hit the file's own URL is a presigned GET of the cached object and <see cref="Fallback"/> is the source; on a miss
/// the file's URL is the source and <see cref="Upload"/> is where the agent sends the verified file.
/// </summary>
/// <remarks>
/// A hit is trusted only as far as its bytes: the agent checks the SHA-256 again, and on a mismatch reports
/// <c>modelCacheRejected</c> and downloads <see cref="Fallback"/> instead. A miss is filled after training has started,
/// so it never delays it.
/// </remarks>
public sealed record ModelCacheEntry
{
    /// <summary>The cached object's key (<c>&lt;prefix&gt;/sha256/&lt;hex&gt;</c>), which names the file in events.</summary>
    public string Key { get; set; } = "";

    /// <summary>Whether the file's URL reads the cached object.</summary>
    public bool Hit { get; init; }

    /// <summary>On a hit: the source's download, used only when the cached bytes do not have the file's SHA-256.</summary>
    public ModelDownloadLink? Fallback { get; init; }

    /// <summary>On a miss: the multipart upload the verified file is sent to; null when the operator could not start one.</summary>
    public MultipartUploadTarget? Upload { get; init; }
}

/// <summary>A download of a model file from its source.</summary>
public sealed record ModelDownloadLink
{
    /// <summary>Download URL; a signed URL is itself a secret.</summary>
    public string Url { get; set; } = "";
    /// <summary>Value of the Authorization header, when the source needs one.</summary>
    public string? Authorization { get; init; }
}
