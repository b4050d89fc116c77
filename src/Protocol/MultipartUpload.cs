using System.Text.Json.Serialization;

namespace LoraTrainer.Protocol;

/// <summary>
/// A multipart upload the operator has started for one large file, with a presigned PUT per part. The agent sends the
/// file part by part and reports each part's ETag; the operator completes the upload (completion is a POST, which a
/// presigned GET/PUT cannot grant) or aborts it.
/// </summary>
/// <remarks>
/// Each part but the last is exactly <see cref="PartSize"/> bytes (S3: at least 5 MiB, at most 10,000 parts), so the
/// file may be at most <see cref="PartSize"/> × <c>Parts.Count</c> bytes. Fetching the config again returns the same
/// upload with fresh URLs, so parts already sent stay valid.
/// </remarks>
public sealed record MultipartUploadTarget
{
    /// <summary>The object key the upload writes once completed.</summary>
    public string Key { get; set; } = "";
    /// <summary>The store's id of the upload; it names the upload in the report.</summary>
    public string UploadId { get; set; } = "";
    /// <summary>The size of every part but the last, in bytes.</summary>
    public long PartSize { get; init; }
    /// <summary>One presigned <c>UploadPart</c> PUT per part number, from 1.</summary>
    public IReadOnlyList<PartUploadTarget> Parts { get; set; } = [];

    /// <summary>The largest file the parts can carry.</summary>
    [JsonIgnore]
    public long MaxBytes => PartSize * Parts.Count;
}

/// <summary>A presigned PUT of one part.</summary>
public sealed record PartUploadTarget
{
    /// <summary>The part number, from 1.</summary>
    public int PartNumber { get; init; }
    /// <summary>Presigned PUT URL.</summary>
    public string Url { get; set; } = "";
}

/// <summary>A part the store has taken, as the operator needs it to complete the upload.</summary>
public sealed record UploadedPartETag
{
    /// <summary>The part number, from 1.</summary>
    public int PartNumber { get; init; }
    /// <summary>The ETag the store answered for the part, quotes included as S3 sends them.</summary>
    public string ETag { get; set; } = "";
}
