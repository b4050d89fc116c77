using LoraTrainer.Datasets;
using System.Buffers;
using System.IO.Compression;
using System.Text;
using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Datasets;

/// <summary>Turns a checked dataset into <c>datasets/&lt;content-hash&gt;.zip</c> under the run's output prefix.</summary>
/// <remarks>
/// Each object is streamed from S3 into a stored (not deflated: images are compressed already) zip entry, and the
/// zip is streamed into a multipart upload, so memory stays at a few parts whatever the dataset's size. A zip
/// with the same content hash is reused without reading a single image. Any failure aborts the multipart
/// upload, so no orphaned parts keep costing storage. Entry times are fixed, so the same content gives the same bytes.
/// </remarks>
internal sealed class DatasetZipper(
    DatasetPreflight preflight,
    IOptions<S3Options> s3Options,
    ILogger<DatasetZipper> logger)
{
    private static readonly DateTimeOffset EntryTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const int CopyBufferSize = 128 * 1024;

    /// <summary>Checks the dataset and, when it can train, makes sure its zip exists.</summary>
    public async Task<DatasetResult> PrepareAsync(IObjectStore store, DatasetRequest request, CancellationToken cancellationToken)
    {
        var check = await preflight.CheckAsync(store, request, cancellationToken);
        if (check.Refusal is { } refusal)
        {
            DatasetLog.Refused(logger, request.SourceDisplay, refusal.Reason, refusal.Message);
            return DatasetResult.Refused(refusal);
        }

        var plan = check.Plan!;
        try
        {
            if (await store.HeadAsync(plan.Zip.Bucket, plan.Zip.Key, cancellationToken) is { } existing)
            {
                DatasetLog.Reused(logger, plan.Zip, existing.Size);
                return DatasetResult.Ready(plan.ToStatus(existing.Size), plan.Zip, reused: true);
            }

            var bytes = await WriteZipAsync(store, plan, cancellationToken);
            return DatasetResult.Ready(plan.ToStatus(bytes), plan.Zip, reused: false);
        }
        catch (ObjectStoreException e) when (e.IsUserFixable)
        {
            DatasetLog.Refused(logger, request.SourceDisplay, DatasetRefusalReason.StoreRefused, e.Message);
            return DatasetResult.Refused(new DatasetRefusal(DatasetRefusalReason.StoreRefused, e.Message));
        }
    }

    private async Task<long> WriteZipAsync(IObjectStore store, DatasetPlan plan, CancellationToken cancellationToken)
    {
        var options = s3Options.Value;
        var partSize = PartSizeFor(plan.Inventory, options.PartSize);
        var upload = await store.StartMultipartUploadAsync(plan.Zip.Bucket, plan.Zip.Key, "application/zip", null, cancellationToken);
        await using var output = new MultipartUploadStream(upload, partSize, options.MaxPartsInFlight);
        try
        {
            await WriteEntriesAsync(store, plan, output, cancellationToken);
            await output.CompleteAsync(cancellationToken);
        }
        catch (Exception e)
        {
            await AbortAsync(output, upload, e);
            throw;
        }

        DatasetLog.Written(logger, plan.Zip, plan.Inventory.Images.Count, output.BytesWritten, output.PartsStarted);
        return output.BytesWritten;
    }

    private static async Task WriteEntriesAsync(IObjectStore store, DatasetPlan plan, Stream output, CancellationToken cancellationToken)
    {
        var bucket = plan.Request.Source.Bucket;
        var captionsWritten = new HashSet<string>(StringComparer.Ordinal);
        await using var archive = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            foreach (var image in plan.Inventory.Images)
            {
                await CopyObjectAsync(store, bucket, image.Object, archive, image.EntryName, buffer, cancellationToken);
                if (!captionsWritten.Add(image.CaptionEntryName))
                {
                    continue;
                }

                if (image.Caption is { } caption)
                {
                    await CopyObjectAsync(store, bucket, caption, archive, image.CaptionEntryName, buffer, cancellationToken);
                }
                else if (plan.Request.GeneratedCaption is { } text)
                {
                    var entry = NewEntry(archive, image.CaptionEntryName);
                    await using var entryStream = await entry.OpenAsync(cancellationToken);
                    await entryStream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task CopyObjectAsync(
        IObjectStore store, string bucket, StoredObject source, ZipArchive archive, string entryName, byte[] buffer, CancellationToken cancellationToken)
    {
        var entry = NewEntry(archive, entryName);
        await using var entryStream = await entry.OpenAsync(cancellationToken);
        await using var content = await store.OpenReadAsync(bucket, source.Key, cancellationToken);
        long copied = 0;
        int read;
        while ((read = await ReadAsync(content, buffer, bucket, source.Key, cancellationToken)) > 0)
        {
            await entryStream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            copied += read;
        }

        if (copied != source.Size)
        {
            // The zip is named by the listed sizes and ETags; a file replaced meanwhile must not slip in under that name.
            throw new ObjectStoreException(ObjectStoreErrorKind.Transient,
                $"s3://{bucket}/{source.Key} changed while it was zipped ({copied} bytes read, {source.Size} listed); will check the dataset again.");
        }
    }

    /// <summary>Reads the next block of an object; a connection lost mid-object is a passing outage, said as one.</summary>
    private static async Task<int> ReadAsync(Stream content, byte[] buffer, string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await content.ReadAsync(buffer, cancellationToken);
        }
        catch (IOException e)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.Transient,
                $"reading s3://{bucket}/{key} broke off ({e.GetType().Name}); will zip the dataset again.", e);
        }
    }

    private static ZipArchiveEntry NewEntry(ZipArchive archive, string name)
    {
        var entry = archive.CreateEntry(name, CompressionLevel.NoCompression);
        entry.LastWriteTime = EntryTime;
        return entry;
    }

    private async Task AbortAsync(MultipartUploadStream output, IMultipartUpload upload, Exception cause)
    {
        try
        {
            // Not the caller's token: a cancelled reconcile must still release the parts.
            await output.AbortAsync(CancellationToken.None);
            DatasetLog.Aborted(logger, upload.Target, upload.UploadId, cause.Message);
        }
        catch (Exception e)
        {
            DatasetLog.AbortFailed(logger, upload.Target, upload.UploadId, e.Message);
        }
    }

    /// <summary>The configured part size, raised when needed to fit the zip in S3's 10,000 parts.</summary>
    internal static int PartSizeFor(DatasetInventory inventory, int configured)
    {
        // Local header, data descriptor and central directory record with Zip64 extras: under 200 bytes plus names.
        var overhead = inventory.Images.Sum(i => 2L * (200 + 2 * i.EntryName.Length));
        var expected = inventory.TotalBytes + overhead;
        var needed = (expected / (S3Limits.MaxParts - 100)) + 1;
        var rounded = (needed + S3Limits.MinPartSize - 1) / S3Limits.MinPartSize * S3Limits.MinPartSize;
        return (int)Math.Clamp(Math.Max(configured, rounded), S3Limits.MinPartSize, S3Limits.MaxPartSize);
    }
}
