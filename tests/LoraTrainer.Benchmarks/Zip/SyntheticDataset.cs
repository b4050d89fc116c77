using System.Text;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Benchmarks.Zip;

/// <summary>
/// A dataset of incompressible "JPEG" images (a JPEG signature, then random bytes) with a caption for each,
/// uploaded to s3rver under one prefix. Random content keeps any layer from winning by compression.
/// </summary>
internal sealed record SyntheticDataset(string Bucket, string Prefix, int Images, long ImageBytes, long TotalBytes, TimeSpan UploadTime)
{
    private static readonly byte[] JpegSignature = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0x00];

    /// <summary>Uploads <paramref name="images"/> images of <paramref name="imageBytes"/> bytes, each with a caption, four at a time.</summary>
    public static async Task<SyntheticDataset> UploadAsync(S3rverServer server, string bucket, string prefix, int images, long imageBytes,
        CancellationToken cancellationToken)
    {
        long written = 0;
        var started = TimeProvider.System.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, images), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var image = Image(i, imageBytes);
                var caption = Encoding.UTF8.GetBytes($"ohwx woman, synthetic photo {i}");
                await server.PutObjectAsync(bucket, $"{prefix}img-{i:D5}.jpg", image, ct);
                await server.PutObjectAsync(bucket, $"{prefix}img-{i:D5}.txt", caption, ct);
                Interlocked.Add(ref written, image.Length + caption.Length);
            });
        return new SyntheticDataset(bucket, prefix, images, imageBytes, written, TimeProvider.System.GetElapsedTime(started));
    }

    private static byte[] Image(int seed, long size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        JpegSignature.CopyTo(bytes, 0);
        return bytes;
    }
}
