using LoraTrainer.Datasets;
using System.Collections.Concurrent;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.Tests.Storage;

/// <summary>Passes every call to a real store, counting reads, multipart uploads and aborts, and failing a read on request.</summary>
/// <remarks>
/// A failure inside this process (a connection reset mid-object); failures on the wire, and the abort requests they
/// cause, are made and observed by <see cref="Testing.S3.S3rverProxy"/>.
/// </remarks>
internal sealed class RecordingObjectStore(IObjectStore inner) : IObjectStore
{
    /// <summary>Upload ids of multipart uploads started.</summary>
    public ConcurrentQueue<string> Started { get; } = new();

    /// <summary>Upload ids of multipart uploads aborted.</summary>
    public ConcurrentQueue<string> Aborted { get; } = new();

    /// <summary>Keys whose full content was opened.</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    /// <summary>Fail reading this key, after its first bytes.</summary>
    public string? FailReadOf { get; set; }

    /// <summary>Runs before a key's content is opened, e.g. to replace the object in the store meanwhile.</summary>
    public Func<string, Task>? BeforeRead { get; set; }

    public IAsyncEnumerable<StoredObject> ListAsync(string bucket, string prefix, CancellationToken cancellationToken) =>
        inner.ListAsync(bucket, prefix, cancellationToken);

    public Task<ObjectHead?> HeadAsync(string bucket, string key, CancellationToken cancellationToken) =>
        inner.HeadAsync(bucket, key, cancellationToken);

    public async Task<Stream> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        Reads.Enqueue(key);
        await (BeforeRead?.Invoke(key) ?? Task.CompletedTask);
        var stream = await inner.OpenReadAsync(bucket, key, cancellationToken);
        return key == FailReadOf ? new FailingReadStream(stream) : stream;
    }

    public Task<byte[]> ReadPrefixAsync(string bucket, string key, int count, CancellationToken cancellationToken) =>
        inner.ReadPrefixAsync(bucket, key, count, cancellationToken);

    public Task PutAsync(string bucket, string key, Stream content, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken) =>
        inner.PutAsync(bucket, key, content, contentType, metadata, cancellationToken);

    public IAsyncEnumerable<PendingUpload> ListMultipartUploadsAsync(string bucket, string prefix, CancellationToken cancellationToken) =>
        inner.ListMultipartUploadsAsync(bucket, prefix, cancellationToken);

    public Task CopyAsync(string bucket, string sourceKey, string destinationKey, CancellationToken cancellationToken) =>
        inner.CopyAsync(bucket, sourceKey, destinationKey, cancellationToken);

    public async Task<IMultipartUpload> StartMultipartUploadAsync(string bucket, string key, string? contentType, IReadOnlyDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        var upload = await inner.StartMultipartUploadAsync(bucket, key, contentType, metadata, cancellationToken);
        Started.Enqueue(upload.UploadId);
        return new RecordingUpload(upload, this);
    }

    public IMultipartUpload ResumeMultipartUpload(string bucket, string key, string uploadId) =>
        new RecordingUpload(inner.ResumeMultipartUpload(bucket, key, uploadId), this);

    public Task DeleteAsync(string bucket, string key, CancellationToken cancellationToken) => inner.DeleteAsync(bucket, key, cancellationToken);

    public Task<bool> DeleteIfMatchAsync(string bucket, string key, string eTag, CancellationToken cancellationToken) =>
        inner.DeleteIfMatchAsync(bucket, key, eTag, cancellationToken);

    public Task<Uri> PresignUploadPartAsync(string bucket, string key, string uploadId, int partNumber, TimeSpan expiry) =>
        inner.PresignUploadPartAsync(bucket, key, uploadId, partNumber, expiry);

    public Task<Uri> PresignGetAsync(string bucket, string key, TimeSpan expiry) => inner.PresignGetAsync(bucket, key, expiry);

    public Task<Uri> PresignPutAsync(string bucket, string key, TimeSpan expiry) => inner.PresignPutAsync(bucket, key, expiry);

    private sealed class RecordingUpload(IMultipartUpload inner, RecordingObjectStore owner) : IMultipartUpload
    {
        public S3Uri Target => inner.Target;

        public string UploadId => inner.UploadId;

        public Task<string> UploadPartAsync(int partNumber, byte[] buffer, int count, CancellationToken cancellationToken) =>
            inner.UploadPartAsync(partNumber, buffer, count, cancellationToken);

        public Task CompleteAsync(IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken) =>
            inner.CompleteAsync(parts, cancellationToken);

        public Task AbortAsync(CancellationToken cancellationToken)
        {
            owner.Aborted.Enqueue(inner.UploadId);
            return inner.AbortAsync(cancellationToken);
        }
    }

    private sealed class FailingReadStream(Stream inner) : Stream
    {
        private bool _served;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_served)
            {
                throw new IOException("injected connection reset while reading");
            }

            _served = true;
            return await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 16)], cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
