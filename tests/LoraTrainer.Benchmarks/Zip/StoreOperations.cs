using System.Buffers;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Benchmarks.Zip;

/// <summary>The yardsticks the zipper is measured against, through the same store, client and part settings.</summary>
internal static class StoreOperations
{
    private const int BufferSize = 128 * 1024;

    /// <summary>Lists the prefix and reads every object to the end, keeping nothing: the store's read rate.</summary>
    public static async Task<long> DownloadAsync(IObjectStore store, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long total = 0;
            await foreach (var item in store.ListAsync(bucket, prefix, cancellationToken))
            {
                await using var content = await store.OpenReadAsync(bucket, item.Key, cancellationToken);
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                }
            }

            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The plain copy: lists the prefix and streams every object, in the same order, into one multipart upload
    /// with the zipper's part size and parts in flight: everything the zipper does except the zip format.
    /// </summary>
    public static async Task<long> ConcatenateAsync(IObjectStore store, string bucket, string prefix, string targetKey, S3Options options,
        CancellationToken cancellationToken)
    {
        var upload = await store.StartMultipartUploadAsync(bucket, targetKey, "application/octet-stream", null, cancellationToken);
        await using var output = new MultipartUploadStream(upload, options.PartSize, options.MaxPartsInFlight);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await foreach (var item in store.ListAsync(bucket, prefix, cancellationToken))
            {
                await using var content = await store.OpenReadAsync(bucket, item.Key, cancellationToken);
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            await output.CompleteAsync(cancellationToken);
            return output.BytesWritten;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
