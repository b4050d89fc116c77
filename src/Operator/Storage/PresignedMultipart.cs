using LoraTrainer.Protocol;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Storage;

/// <summary>
/// Multipart uploads of files the operator never holds (a training state, a base model): the operator starts the
/// upload and presigns one PUT per part; the agent streams the file part by part and reports each part's ETag; the
/// operator then completes the upload, or aborts it so that no parts are left costing storage.
/// </summary>
/// <remarks>
/// Completion is a POST, which a presigned GET or PUT cannot grant, so it stays with the operator. The parts are sized
/// so that <see cref="MaxPresignedParts"/> URLs carry twice the expected size: the config stays small and a file that
/// grows (a state saved with more optimizer slots) still fits.
/// </remarks>
internal sealed class PresignedMultipart(IOptions<S3Options> options)
{
    /// <summary>Most part URLs one upload hands out; each is a presigned URL of several hundred characters in the config.</summary>
    public const int MaxPresignedParts = 64;

    /// <summary>Largest part S3 accepts: 5 GiB. The agent streams parts from disk, so their size costs it no memory.</summary>
    public const long MaxPartBytes = 5L * 1024 * 1024 * 1024;

    private const long MiB = 1024 * 1024;

    /// <summary>The part size and part count for a file of about <paramref name="expectedBytes"/>: room for twice that, in whole MiB parts of at least 5 MiB.</summary>
    public static (long PartSize, int Parts) Plan(long expectedBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedBytes);
        var room = Math.Max(2 * expectedBytes, S3Limits.MinPartSize);
        var perPart = (room + MaxPresignedParts - 1) / MaxPresignedParts;
        var partSize = Math.Clamp((perPart + MiB - 1) / MiB * MiB, S3Limits.MinPartSize, MaxPartBytes);
        var parts = (int)Math.Min((room + partSize - 1) / partSize, S3Limits.MaxParts);
        return (partSize, parts);
    }

    /// <summary>Starts an upload to <paramref name="target"/> sized for <paramref name="expectedBytes"/> and presigns its parts.</summary>
    /// <param name="metadata">User metadata the completed object carries; null for none.</param>
    public async Task<MultipartUploadTarget> StartAsync(
        IObjectStore store, S3Uri target, long expectedBytes, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var upload = await store.StartMultipartUploadAsync(target.Bucket, target.Key, "application/octet-stream", metadata, cancellationToken);
        return await ResumeAsync(store, target, upload.UploadId, expectedBytes);
    }

    /// <summary>
    /// Upload <paramref name="uploadId"/>, started by <see cref="StartAsync"/> for <paramref name="expectedBytes"/> (by this
    /// process or one before it), with its parts planned the same way and presigned afresh.
    /// </summary>
    public Task<MultipartUploadTarget> ResumeAsync(IObjectStore store, S3Uri target, string uploadId, long expectedBytes)
    {
        var (partSize, parts) = Plan(expectedBytes);
        return PresignAsync(store, target.Bucket, new MultipartUploadTarget
        {
            Key = target.Key, UploadId = uploadId, PartSize = partSize,
            Parts = [.. Enumerable.Range(1, parts).Select(n => new PartUploadTarget { PartNumber = n })],
        });
    }

    /// <summary>The same upload with fresh part URLs (parts already sent stay).</summary>
    public async Task<MultipartUploadTarget> PresignAsync(IObjectStore store, string bucket, MultipartUploadTarget upload)
    {
        var expiry = options.Value.PresignPutExpiry;
        var parts = new List<PartUploadTarget>(upload.Parts.Count);
        foreach (var part in upload.Parts)
        {
            var url = await store.PresignUploadPartAsync(bucket, upload.Key, upload.UploadId, part.PartNumber, expiry);
            parts.Add(part with { Url = url.AbsoluteUri });
        }

        return upload with { Parts = parts };
    }

    /// <summary>Joins the reported parts into the object; S3 refuses parts whose ETags it did not answer.</summary>
    /// <exception cref="ObjectStoreException">The store refused (an ETag or part missing, or the upload is gone).</exception>
    /// <exception cref="ArgumentException">The parts are not numbered 1, 2, 3… without a gap.</exception>
    public static Task CompleteAsync(IObjectStore store, S3Uri target, string uploadId, IReadOnlyList<UploadedPartETag> parts, CancellationToken cancellationToken)
    {
        if (parts.Count == 0 || parts.Select((p, i) => p.PartNumber == i + 1).Any(ok => !ok))
        {
            throw new ArgumentException("The parts must be numbered 1, 2, 3… in order, without a gap.", nameof(parts));
        }

        return store.ResumeMultipartUpload(target.Bucket, target.Key, uploadId)
            .CompleteAsync([.. parts.Select(p => new UploadedPart(p.PartNumber, p.ETag))], cancellationToken);
    }

    /// <summary>Discards the upload's parts; an upload already gone is not an error.</summary>
    public static async Task AbortAsync(IObjectStore store, S3Uri target, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await store.ResumeMultipartUpload(target.Bucket, target.Key, uploadId).AbortAsync(cancellationToken);
        }
        catch (ObjectStoreException ex) when (ex.Kind == ObjectStoreErrorKind.NotFound)
        {
            // Completed or aborted already: nothing is left to cost money.
        }
    }
}
