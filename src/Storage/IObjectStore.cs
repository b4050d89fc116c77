using LoraTrainer.Datasets;

namespace LoraTrainer.Storage;

/// <summary>The operator's narrow view of an S3-compatible bucket store, bound to one credential.</summary>
/// <remarks>
/// Every failure surfaces as an <see cref="ObjectStoreException"/> whose message says what to fix and names the
/// bucket and credential id, never the secret. Presigned URLs are secrets: callers must not log them.
/// </remarks>
internal interface IObjectStore
{
    /// <summary>Lists every object under <paramref name="prefix"/> in key order, fetching one page at a time.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, CancellationToken cancellationToken);

    /// <summary>Reads an object's size, ETag and metadata; null when there is no such object.</summary>
    Task<ObjectHead?> HeadAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>Opens the object's content as a stream read straight from the network.</summary>
    Task<Stream> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>Reads at most the first <paramref name="count"/> bytes with a ranged GET.</summary>
    Task<byte[]> ReadPrefixAsync(string bucket, string key, int count, CancellationToken cancellationToken);

    /// <summary>Writes an object (up to 5 GB) in one request; the stream must be seekable.</summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">The object's key.</param>
    /// <param name="content">The bytes, read from its current position.</param>
    /// <param name="contentType">The object's content type; null for the store's default.</param>
    /// <param name="metadata">User metadata (<c>x-amz-meta-*</c>, keys without the prefix, ASCII values); null for none.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    Task PutAsync(string bucket, string key, Stream content, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken);

    /// <summary>Copies an object inside <paramref name="bucket"/> on the store's side (up to 5 GB); no byte passes through the operator.</summary>
    Task CopyAsync(string bucket, string sourceKey, string destinationKey, CancellationToken cancellationToken);

    /// <summary>Starts a multipart upload; the caller must complete or abort it.</summary>
    /// <param name="metadata">User metadata the object carries once completed (<c>x-amz-meta-*</c>, keys without the prefix, ASCII values); null for none.</param>
    Task<IMultipartUpload> StartMultipartUploadAsync(string bucket, string key, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken);

    /// <summary>Lists the multipart uploads in progress (started, neither completed nor aborted) to keys under <paramref name="prefix"/>, in key order.</summary>
    IAsyncEnumerable<PendingUpload> ListMultipartUploadsAsync(string bucket, string prefix, CancellationToken cancellationToken);

    /// <summary>A multipart upload started earlier (possibly by another process), to complete or abort; sends nothing.</summary>
    IMultipartUpload ResumeMultipartUpload(string bucket, string key, string uploadId);

    /// <summary>Deletes an object; deleting one that does not exist succeeds.</summary>
    Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the object only while it is the one whose ETag is <paramref name="eTag"/>: true when it was deleted,
    /// false when the key is gone or names another object by now (another writer's newer copy is kept).
    /// </summary>
    Task<bool> DeleteIfMatchAsync(string bucket, string key, string eTag, CancellationToken cancellationToken);

    /// <summary>A URL that lets its holder GET the object until <paramref name="expiry"/> has passed.</summary>
    Task<Uri> PresignGetAsync(string bucket, string key, TimeSpan expiry);

    /// <summary>A URL that lets its holder PUT the object (up to 5 GB) until <paramref name="expiry"/> has passed.</summary>
    Task<Uri> PresignPutAsync(string bucket, string key, TimeSpan expiry);

    /// <summary>A URL that lets its holder PUT part <paramref name="partNumber"/> of multipart upload <paramref name="uploadId"/> until <paramref name="expiry"/> has passed.</summary>
    Task<Uri> PresignUploadPartAsync(string bucket, string key, string uploadId, int partNumber, TimeSpan expiry);
}

/// <summary>An object's headers.</summary>
/// <param name="Size">Size in bytes.</param>
/// <param name="ETag">The ETag as the store returns it (quoted).</param>
/// <param name="Metadata">User metadata (<c>x-amz-meta-*</c>), keys without the prefix.</param>
internal sealed record ObjectHead(long Size, string ETag, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A multipart upload in progress, as the store lists it.</summary>
/// <param name="Key">The object it writes.</param>
/// <param name="UploadId">The store's id of the upload.</param>
/// <param name="Initiated">When it was started.</param>
internal sealed record PendingUpload(string Key, string UploadId, DateTimeOffset Initiated);

/// <summary>A multipart upload in progress.</summary>
internal interface IMultipartUpload
{
    /// <summary>The object being written.</summary>
    S3Uri Target { get; }

    /// <summary>The store's id of this upload.</summary>
    string UploadId { get; }

    /// <summary>Uploads one part (1–10,000; each but the last at least 5 MiB) and returns its ETag.</summary>
    Task<string> UploadPartAsync(int partNumber, byte[] buffer, int count, CancellationToken cancellationToken);

    /// <summary>Joins the parts into the object.</summary>
    Task CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken);

    /// <summary>Discards the parts so they stop costing storage.</summary>
    Task AbortAsync(CancellationToken cancellationToken);
}

/// <summary>A part already uploaded.</summary>
/// <param name="PartNumber">Its number, from 1.</param>
/// <param name="ETag">The ETag the store answered.</param>
internal sealed record UploadedPart(int PartNumber, string ETag);
