using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Running;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Uploads;

/// <summary>An uploaded file.</summary>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Its lowercase hex SHA-256.</param>
internal sealed record UploadedFile(long Bytes, string Sha256);

/// <summary>
/// Uploads a file to a presigned PUT URL: streamed with its Content-Length, retried with backoff on network
/// errors, 5xx and stalls (no bytes sent and no answer for <see cref="AgentOptions.TransferStallTimeout"/>), and
/// checked against the answer (an S3 single-part ETag is the MD5 of the bytes it stored).
/// </summary>
internal sealed class PresignedUploader(PresignedPut put, ILogger<PresignedUploader> logger)
{
    /// <summary>Uploads <paramref name="path"/>; throws <see cref="StageFailure"/> (stage upload) when it cannot.</summary>
    /// <param name="path">The file.</param>
    /// <param name="url">The presigned PUT URL (never logged).</param>
    /// <param name="what">Names the file in messages.</param>
    /// <param name="cancellationToken">Stops the upload.</param>
    public async Task<UploadedFile> UploadAsync(string path, string url, string what, CancellationToken cancellationToken)
    {
        var bytes = new FileInfo(path).Length;
        var sha256 = await FileHashes.Sha256Async(path, cancellationToken);
        var md5 = await FileHashes.Md5Async(path, cancellationToken);
        UploadLog.Starting(logger, what, new Uri(url).Host, bytes, 1);
        await put.SendAsync(url, what, stall => new WatchedFileContent(path, bytes, stall), response =>
        {
            var etag = response.Headers.ETag?.Tag.Trim('"');
            return etag is { Length: 32 } && !string.Equals(etag, md5, StringComparison.OrdinalIgnoreCase)
                ? (false, "the stored object's ETag does not match the file's MD5")
                : (true, null);
        }, cancellationToken);
        UploadLog.Finished(logger, what, bytes, sha256);
        return new UploadedFile(bytes, sha256);
    }
}
