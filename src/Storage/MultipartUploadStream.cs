using System.Collections.Concurrent;

namespace LoraTrainer.Storage;

/// <summary>A write-only stream that cuts what is written into parts of a multipart upload.</summary>
/// <remarks>
/// Memory is bounded by design: one part fills while at most <c>maxInFlight</c> earlier parts upload, so an
/// upload never holds more than (maxInFlight + 1) × partSize bytes whatever the object's size. Buffers are
/// recycled between parts rather than rented from the shared pool, so they are released with the stream. The first
/// buffer is small (64 KiB) and is replaced by a whole part only once it fills, so an object smaller than that (a
/// dataset of a few images) never takes a whole part on the large object heap, which adds up to hundreds of
/// megabytes of resident memory when many runs are zipped at once.
/// The owner calls <see cref="CompleteAsync"/> on success and <see cref="AbortAsync"/> on any failure.
/// </remarks>
internal sealed class MultipartUploadStream : Stream
{
    /// <summary>The first buffer's size, below the large object heap's threshold (85,000 bytes).</summary>
    private const int FirstBufferBytes = 64 * 1024;

    private readonly IMultipartUpload _upload;
    private readonly int _partSize;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentBag<byte[]> _free = [];
    private readonly List<Task<UploadedPart>> _inFlight = [];
    private byte[]? _current;
    private int _filled;
    private int _nextPart = 1;
    private long _written;

    /// <summary>Starts cutting parts of <paramref name="partSize"/> bytes for <paramref name="upload"/>.</summary>
    public MultipartUploadStream(IMultipartUpload upload, int partSize, int maxInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, S3Limits.MinPartSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _upload = upload;
        _partSize = partSize;
        _slots = new SemaphoreSlim(maxInFlight, maxInFlight);
    }

    /// <summary>Bytes written so far: the object's size once completed.</summary>
    public long BytesWritten => _written;

    /// <summary>Parts started so far.</summary>
    public int PartsStarted => _nextPart - 1;

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            _current ??= _free.TryTake(out var recycled) ? recycled : new byte[_nextPart == 1 ? Math.Min(_partSize, FirstBufferBytes) : _partSize];
            if (_filled == _current.Length)
            {
                // Only the small first buffer fills up before its part does.
                Array.Resize(ref _current, _partSize);
            }

            var take = Math.Min(buffer.Length, _current.Length - _filled);
            buffer[..take].CopyTo(_current.AsMemory(_filled));
            _filled += take;
            _written += take;
            buffer = buffer[take..];
            if (_filled == _partSize)
            {
                await SendCurrentPartAsync(cancellationToken);
            }
        }
    }

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    /// <remarks>Synchronous writers block on the upload; the zipper writes asynchronously.</remarks>
    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Uploads the last part, waits for every part, and joins them into the object.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0 || _nextPart == 1)
        {
            await SendCurrentPartAsync(cancellationToken);
        }

        var parts = await Task.WhenAll(_inFlight);
        await _upload.CompleteAsync([.. parts.OrderBy(p => p.PartNumber)], cancellationToken);
    }

    /// <summary>Waits for parts still uploading (ignoring their outcome) and discards the upload.</summary>
    public async Task AbortAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(_inFlight);
        }
        catch (Exception)
        {
            // The part failures are why we abort; the caller already holds the first of them.
        }

        await _upload.AbortAsync(cancellationToken);
    }

    private async Task SendCurrentPartAsync(CancellationToken cancellationToken)
    {
        if (_nextPart > S3Limits.MaxParts)
        {
            throw new ObjectStoreException(ObjectStoreErrorKind.Failed,
                $"{_upload.Target} needs more than {S3Limits.MaxParts} parts of {_partSize} bytes: raise S3:PartSize.");
        }

        // A failed part fails the whole upload as soon as it is noticed, not only at completion.
        foreach (var failed in _inFlight.Where(t => t.IsFaulted))
        {
            await failed;
        }

        await _slots.WaitAsync(cancellationToken);
        var buffer = _current ?? [];
        _inFlight.Add(UploadAsync(_nextPart++, buffer, _filled, cancellationToken));
        _current = null;
        _filled = 0;
    }

    private async Task<UploadedPart> UploadAsync(int partNumber, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        try
        {
            var etag = await _upload.UploadPartAsync(partNumber, buffer, count, cancellationToken);
            return new UploadedPart(partNumber, etag);
        }
        finally
        {
            if (buffer.Length == _partSize)
            {
                _free.Add(buffer);
            }

            _slots.Release();
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _slots.Dispose();
            _free.Clear();
            _current = null;
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override bool CanRead => false;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
}
