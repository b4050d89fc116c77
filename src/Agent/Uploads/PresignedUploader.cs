using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

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
internal sealed class PresignedUploader(
    IHttpClientFactory httpClients,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<PresignedUploader> logger)
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
        var client = httpClients.CreateClient(ResumableDownloader.HttpClientName);
        var backoff = new Backoff(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
        var host = new Uri(url).Host;
        var problem = "";
        for (var attempt = 1; attempt <= options.Value.TransferAttempts; attempt++)
        {
            UploadLog.Starting(logger, what, host, bytes, attempt);
            try
            {
                using var stall = new StallWatch(options.Value.TransferStallTimeout, time, cancellationToken);
                using var content = new WatchedFileContent(path, bytes, stall);
                using var response = await client.PutAsync(url, content, stall.Token);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var etag = response.Headers.ETag?.Tag.Trim('"');
                    if (etag is { Length: 32 } && !string.Equals(etag, md5, StringComparison.OrdinalIgnoreCase))
                    {
                        problem = "the stored object's ETag does not match the file's MD5";
                    }
                    else
                    {
                        UploadLog.Finished(logger, what, bytes, sha256);
                        return new UploadedFile(bytes, sha256);
                    }
                }
                else if (status is 408 or 429 || status >= 500)
                {
                    problem = $"HTTP {status}";
                }
                else
                {
                    throw new StageFailure(Stages.Upload, $"{host} refused the upload of {what} with HTTP {status}"
                        + (status == 403 ? " (the presigned URL expired or does not allow this PUT)." : "."));
                }
            }
            catch (HttpRequestException ex)
            {
                problem = ex.HttpRequestError.ToString();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"nothing sent or answered for {options.Value.TransferStallTimeout}";
            }

            UploadLog.Failed(logger, what, problem, attempt);
            if (attempt < options.Value.TransferAttempts)
            {
                await backoff.WaitAsync(attempt, time, cancellationToken);
            }
        }

        throw new StageFailure(Stages.Upload, $"{what} could not be uploaded to {host} after {options.Value.TransferAttempts} attempts ({problem}).");
    }
}
