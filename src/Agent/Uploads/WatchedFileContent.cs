using System.Net;
using System.Net.Http.Headers;
using LoraTrainer.Agent.Running;

namespace LoraTrainer.Agent.Uploads;

/// <summary>
/// A file, or a range of one, streamed as a request body with its Content-Length, telling a <see cref="StallWatch"/>
/// each time a chunk has been handed to the connection, so an upload whose peer stops reading is noticed.
/// </summary>
internal sealed class WatchedFileContent : HttpContent
{
    private const int ChunkSize = 1 << 20;
    private readonly string _path;
    private readonly long _offset;
    private readonly long _length;
    private readonly StallWatch _stall;
    private readonly Action<long, ReadOnlyMemory<byte>>? _sent;

    /// <summary>Streams <paramref name="path"/> (<paramref name="length"/> bytes) as <c>application/octet-stream</c>.</summary>
    public WatchedFileContent(string path, long length, StallWatch stall)
        : this(path, 0, length, stall, null)
    {
    }

    /// <summary>
    /// Streams <paramref name="length"/> bytes of <paramref name="path"/> from <paramref name="offset"/>, handing each
    /// chunk with its file position to <paramref name="sent"/> once written to the connection.
    /// </summary>
    public WatchedFileContent(string path, long offset, long length, StallWatch stall, Action<long, ReadOnlyMemory<byte>>? sent)
    {
        _path = path;
        _offset = offset;
        _length = length;
        _stall = stall;
        _sent = sent;
        Headers.ContentLength = length;
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkSize, useAsync: true);
        file.Position = _offset;
        var buffer = new byte[ChunkSize];
        var left = _length;
        int read;
        while (left > 0 && (read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(ChunkSize, left)), cancellationToken)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            _stall.Progressed();
            _sent?.Invoke(file.Position - read, buffer.AsMemory(0, read));
            left -= read;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
