namespace LoraTrainer.Testing.Civitai;

/// <summary>A seekable read-only stream that hands out at most <c>bytesPerSecond</c>, in tenth-of-a-second slices.</summary>
internal sealed class ThrottledStream(Stream inner, long bytesPerSecond, TimeProvider time) : Stream
{
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);
    private readonly int _perSlice = (int)Math.Max(1, bytesPerSecond / 10);

    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Delay(Slice, time, cancellationToken);
        return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, _perSlice)], cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
