using System.Net;
using System.Net.Http.Headers;
using LoraTrainer.Agent.Running;

namespace LoraTrainer.Agent.Uploads;

/// <summary>
/// A file streamed as a request body with its Content-Length, telling a <see cref="StallWatch"/> each time a chunk
/// has been handed to the connection, so an upload whose peer stops reading is noticed.
/// </summary>
internal sealed class WatchedFileContent : HttpContent
{
    private const int ChunkSize = 1 << 20;
    private readonly string _path;
    private readonly long _length;
    private readonly StallWatch _stall;

    /// <summary>Streams <paramref name="path"/> (<paramref name="length"/> bytes) as <c>application/octet-stream</c>.</summary>
    public WatchedFileContent(string path, long length, StallWatch stall)
    {
        _path = path;
        _length = length;
        _stall = stall;
        Headers.ContentLength = length;
        Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkSize, useAsync: true);
        var buffer = new byte[ChunkSize];
        int read;
        while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            _stall.Progressed();
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }
}
