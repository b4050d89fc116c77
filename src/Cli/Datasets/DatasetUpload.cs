using System.Security.Cryptography;
using LoraTrainer.Storage;

namespace LoraTrainer.Cli.Datasets;

/// <summary>What an upload did.</summary>
/// <param name="Uploaded">Files sent.</param>
/// <param name="Skipped">Files already in the bucket with the same SHA-256.</param>
/// <param name="Bytes">Bytes sent.</param>
internal sealed record UploadResult(int Uploaded, int Skipped, long Bytes);

/// <summary>
/// Uploads a checked folder in parallel. Each object carries its file's SHA-256 in its metadata, so an upload that is run
/// again (after an interruption, or for the next run on the same images) sends only what is missing or changed.
/// </summary>
internal static class DatasetUpload
{
    private const int Parallelism = 8;

    public static async Task<UploadResult> RunAsync(LocalDataset dataset, IObjectStore store, string bucket, string prefix, CancellationToken cancellationToken)
    {
        var uploaded = 0;
        var skipped = 0;
        long bytes = 0;
        await Parallel.ForEachAsync(dataset.Files, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            var path = dataset.PathOf(file);
            string sha256;
            await using (var content = File.OpenRead(path))
            {
                sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));
            }

            var key = prefix + file.Key;
            if (await store.RecordedSha256Async(bucket, key, ct) == sha256)
            {
                Interlocked.Increment(ref skipped);
                return;
            }

            await store.UploadFileAsync(bucket, key, path, sha256, ct);
            Interlocked.Increment(ref uploaded);
            Interlocked.Add(ref bytes, file.Size);
        });
        return new UploadResult(uploaded, skipped, bytes);
    }
}
