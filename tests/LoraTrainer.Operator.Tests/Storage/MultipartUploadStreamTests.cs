using System.Collections.Concurrent;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.Tests.Storage;

public sealed class MultipartUploadStreamTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CompleteAsync_OfAnObjectSmallerThanAPart_UploadsItFromABufferOfKilobytesNotAWholePart()
    {
        var upload = new InMemoryUpload();
        var written = Bytes(4_321, seed: 1);

        await using (var stream = new MultipartUploadStream(upload, S3Limits.MinPartSize, maxInFlight: 2))
        {
            await stream.WriteAsync(written.AsMemory(0, 1_000), Ct);
            await stream.WriteAsync(written.AsMemory(1_000), Ct);
            await stream.CompleteAsync(Ct);
        }

        var part = Assert.Single(upload.Parts);
        Assert.Equal(written, part.Bytes);
        Assert.True(part.BufferLength <= 64 * 1024, $"a {written.Length}-byte object was uploaded from a {part.BufferLength}-byte buffer");
    }

    [Fact]
    public async Task CompleteAsync_AfterSmallWritesSpanningSeveralParts_UploadsFullPartsHoldingTheExactBytes()
    {
        var upload = new InMemoryUpload();
        var written = Bytes((2 * S3Limits.MinPartSize) + 12_345, seed: 2);

        await using (var stream = new MultipartUploadStream(upload, S3Limits.MinPartSize, maxInFlight: 2))
        {
            for (var offset = 0; offset < written.Length; offset += 10_000)
            {
                await stream.WriteAsync(written.AsMemory(offset, Math.Min(10_000, written.Length - offset)), Ct);
            }

            await stream.CompleteAsync(Ct);
        }

        var parts = upload.Parts.OrderBy(p => p.Number).ToList();
        Assert.Equal([S3Limits.MinPartSize, S3Limits.MinPartSize, 12_345], parts.Select(p => p.Bytes.Length));
        Assert.Equal(written, parts.SelectMany(p => p.Bytes));
        Assert.Equal([1, 2, 3], upload.Completed!.Select(p => p.PartNumber));
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Keeps each part's bytes and the size of the buffer it came from.</summary>
    private sealed class InMemoryUpload : IMultipartUpload
    {
        public ConcurrentBag<(int Number, byte[] Bytes, int BufferLength)> Parts { get; } = [];

        public IReadOnlyList<UploadedPart>? Completed { get; private set; }

        public S3Uri Target { get; } = new("datasets", "zips/test.zip");

        public string UploadId => "upload-1";

        public async Task<string> UploadPartAsync(int partNumber, byte[] buffer, int count, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Parts.Add((partNumber, buffer[..count], buffer.Length));
            return $"\"etag-{partNumber}\"";
        }

        public Task CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken)
        {
            Completed = parts;
            return Task.CompletedTask;
        }

        public Task AbortAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
