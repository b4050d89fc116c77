using LoraTrainer.Datasets;
using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;

namespace LoraTrainer.Storage;

/// <summary><see cref="IObjectStore"/> over AWSSDK.S3 v4, for one client (and so one credential).</summary>
/// <remarks>
/// Uploads set <c>UseChunkEncoding</c> from <see cref="S3ClientSettings.ChunkedEncoding"/>: over plain HTTP the SDK
/// otherwise frames bodies as signed aws-chunked streams, which s3rver and several S3-compatible stores save as-is.
/// </remarks>
internal sealed class S3ObjectStore(IAmazonS3 client, S3ClientSettings settings, S3Options options, string credential, TimeProvider timeProvider)
    : IObjectStore
{
    /// <inheritdoc />
    public async IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request
            {
                BucketName = bucket, Prefix = prefix, ContinuationToken = token, MaxKeys = options.ListPageSize,
            };
            var page = await CallAsync("list", new S3Uri(bucket, prefix), () => client.ListObjectsV2Async(request, cancellationToken));
            foreach (var item in page.S3Objects ?? [])
            {
                yield return new StoredObject(item.Key, item.Size ?? 0, item.ETag ?? "");
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    /// <inheritdoc />
    public async Task<ObjectHead?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken);
            var metadata = head.Metadata.Keys.ToDictionary(
                k => k.StartsWith("x-amz-meta-", StringComparison.OrdinalIgnoreCase) ? k["x-amz-meta-".Length..] : k,
                k => head.Metadata[k],
                StringComparer.OrdinalIgnoreCase);
            return new ObjectHead(head.ContentLength, head.ETag ?? "", metadata);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, "read", new S3Uri(bucket, key));
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var response = await CallAsync("read", new S3Uri(bucket, key), () => client.GetObjectAsync(bucket, key, cancellationToken));
        return response.ResponseStream;
    }

    /// <inheritdoc />
    public async Task<byte[]> ReadPrefixAsync(string bucket, string key, int count, CancellationToken cancellationToken)
    {
        var request = new GetObjectRequest { BucketName = bucket, Key = key, ByteRange = new ByteRange(0, count - 1) };
        using var response = await CallAsync("read", new S3Uri(bucket, key), () => client.GetObjectAsync(request, cancellationToken));
        var buffer = new byte[count];
        var read = await response.ResponseStream.ReadAtLeastAsync(buffer, count, throwOnEndOfStream: false, cancellationToken);
        return read == count ? buffer : buffer[..read];
    }

    /// <inheritdoc />
    public Task PutAsync(string bucket, string key, Stream content, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket, Key = key, InputStream = content, ContentType = contentType,
            AutoCloseStream = false, UseChunkEncoding = settings.ChunkedEncoding,
        };
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            request.Metadata.Add(name, value);
        }

        return CallAsync("write", new S3Uri(bucket, key), () => client.PutObjectAsync(request, cancellationToken));
    }

    /// <inheritdoc />
    public Task CopyAsync(string bucket, string sourceKey, string destinationKey, CancellationToken cancellationToken) =>
        CallAsync("copy", new S3Uri(bucket, destinationKey), () => client.CopyObjectAsync(
            new CopyObjectRequest { SourceBucket = bucket, SourceKey = sourceKey, DestinationBucket = bucket, DestinationKey = destinationKey },
            cancellationToken));

    /// <inheritdoc />
    public async Task<IMultipartUpload> StartMultipartUploadAsync(
        string bucket, string key, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var target = new S3Uri(bucket, key);
        var request = new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = contentType };
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            request.Metadata.Add(name, value);
        }

        var started = await CallAsync("write", target, () => client.InitiateMultipartUploadAsync(request, cancellationToken));
        return new S3MultipartUpload(client, target, started.UploadId, settings.ChunkedEncoding, Translate);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<PendingUpload> ListMultipartUploadsAsync(string bucket, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? keyMarker = null, uploadIdMarker = null;
        do
        {
            var request = new ListMultipartUploadsRequest { BucketName = bucket, Prefix = prefix, KeyMarker = keyMarker, UploadIdMarker = uploadIdMarker };
            var page = await CallAsync("list uploads", new S3Uri(bucket, prefix), () => client.ListMultipartUploadsAsync(request, cancellationToken));
            foreach (var upload in page.MultipartUploads ?? [])
            {
                yield return new PendingUpload(upload.Key, upload.UploadId, upload.Initiated is { } at ? Utc(at) : DateTimeOffset.MinValue);
            }

            (keyMarker, uploadIdMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextUploadIdMarker) : (null, null);
        }
        while (keyMarker is not null);
    }

    /// <inheritdoc />
    public IMultipartUpload ResumeMultipartUpload(string bucket, string key, string uploadId) =>
        new S3MultipartUpload(client, new S3Uri(bucket, key), uploadId, settings.ChunkedEncoding, Translate);

    /// <inheritdoc />
    public Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken) =>
        CallAsync("delete", new S3Uri(bucket, key), () => client.DeleteObjectAsync(bucket, key, cancellationToken));

    /// <inheritdoc />
    /// <remarks>
    /// The ETag is compared right before the delete, and the delete carries <c>If-Match</c>, which S3 honours (412 when
    /// the object changed in between); a store that does not know conditional deletes ignores the header or answers
    /// 501, and then only the comparison guards the delete.
    /// </remarks>
    public async Task<bool> DeleteIfMatchAsync(string bucket, string key, string eTag, CancellationToken cancellationToken)
    {
        if (await HeadAsync(bucket, key, cancellationToken) is not { } head || !string.Equals(head.ETag, eTag, StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            await client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key, IfMatch = eTag }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotImplemented)
        {
            await DeleteAsync(bucket, key, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, "delete", new S3Uri(bucket, key));
        }

        return true;
    }

    /// <inheritdoc />
    public Task<Uri> PresignGetAsync(string bucket, string key, TimeSpan expiry) => PresignAsync(bucket, key, HttpVerb.GET, expiry);

    /// <inheritdoc />
    public Task<Uri> PresignPutAsync(string bucket, string key, TimeSpan expiry) => PresignAsync(bucket, key, HttpVerb.PUT, expiry);

    /// <inheritdoc />
    public Task<Uri> PresignUploadPartAsync(string bucket, string key, string uploadId, int partNumber, TimeSpan expiry) =>
        PresignAsync(bucket, key, HttpVerb.PUT, expiry, (uploadId, partNumber));

    private async Task<Uri> PresignAsync(string bucket, string key, HttpVerb verb, TimeSpan expiry, (string UploadId, int PartNumber)? part = null)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = bucket, Key = key, Verb = verb,
            Expires = timeProvider.GetUtcNow().UtcDateTime + expiry,
            Protocol = settings.IsPlainHttp ? Amazon.S3.Protocol.HTTP : Amazon.S3.Protocol.HTTPS,
        };
        if (part is { } p)
        {
            request.UploadId = p.UploadId;
            request.PartNumber = p.PartNumber;
        }
        var url = await CallAsync("presign", new S3Uri(bucket, key), () => client.GetPreSignedURLAsync(request));
        return new Uri(url);
    }

    /// <summary>A time the SDK read from the store's answer, where S3 writes UTC.</summary>
    private static DateTimeOffset Utc(DateTime at) =>
        new(at.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(at, DateTimeKind.Utc) : at.ToUniversalTime());

    private async Task<T> CallAsync<T>(string operation, S3Uri target, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Translate(e, operation, target);
        }
    }

    private ObjectStoreException Translate(Exception error, string operation, S3Uri target) =>
        S3ErrorTranslator.Translate(error, operation, target, credential, settings.Endpoint, settings.ChecksumMode == S3ChecksumMode.WHEN_SUPPORTED);
}
