using Amazon.S3;
using Amazon.S3.Model;

namespace LoraTrainer.Storage;

/// <summary>One S3 multipart upload, as started by <see cref="S3ObjectStore.StartMultipartUploadAsync"/>.</summary>
internal sealed class S3MultipartUpload(
    IAmazonS3 client,
    S3Uri target,
    string uploadId,
    bool chunkedEncoding,
    Func<Exception, string, S3Uri, ObjectStoreException> translate) : IMultipartUpload
{
    /// <inheritdoc />
    public S3Uri Target => target;

    /// <inheritdoc />
    public string UploadId => uploadId;

    /// <inheritdoc />
    public async Task<string> UploadPartAsync(int partNumber, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        // A seekable, read-only view: the SDK may rewind it to hash the payload or to retry.
        using var content = new MemoryStream(buffer, 0, count, writable: false);
        var request = new UploadPartRequest
        {
            BucketName = target.Bucket, Key = target.Key, UploadId = uploadId, PartNumber = partNumber,
            InputStream = content, PartSize = count, UseChunkEncoding = chunkedEncoding,
        };
        var response = await CallAsync(() => client.UploadPartAsync(request, cancellationToken));
        return response.ETag;
    }

    /// <inheritdoc />
    public Task CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken) =>
        CallAsync(() => client.CompleteMultipartUploadAsync(
            new CompleteMultipartUploadRequest
            {
                BucketName = target.Bucket, Key = target.Key, UploadId = uploadId,
                PartETags = [.. parts.Select(p => new PartETag(p.PartNumber, p.ETag))],
            },
            cancellationToken));

    /// <inheritdoc />
    public Task AbortAsync(CancellationToken cancellationToken) =>
        CallAsync(() => client.AbortMultipartUploadAsync(
            new AbortMultipartUploadRequest { BucketName = target.Bucket, Key = target.Key, UploadId = uploadId },
            cancellationToken));

    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw translate(e, "write", target);
        }
    }
}
