using System.Net;
using System.Net.Http.Headers;
using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Downloads;

/// <summary>
/// Downloads a file into a <c>.part</c> file, resuming with an HTTP <c>Range</c> request after an interruption,
/// then verifies its size and SHA-256 before giving it its final name. A file already present and verified is kept.
/// </summary>
internal sealed class ResumableDownloader(
    IHttpClientFactory httpClients,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<ResumableDownloader> logger)
{
    /// <summary>The name of the plain HTTP client used for downloads and uploads (no receiver signing).</summary>
    public const string HttpClientName = "transfers";

    /// <summary>Downloads and verifies <paramref name="request"/>; throws <see cref="StageFailure"/> when it cannot.</summary>
    public async Task<DownloadedFile> DownloadAsync(DownloadRequest request, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(request.Destination))!);
        if (await ExistingAsync(request, cancellationToken) is { } existing)
        {
            DownloadLog.Reused(logger, request.What);
            return existing;
        }

        var part = request.Destination + ".part";
        await FetchAsync(request, part, cancellationToken);

        var bytes = new FileInfo(part).Length;
        if (request.ExpectedBytes is { } expected && bytes != expected)
        {
            File.Delete(part);
            throw new StageFailure(request.Stage, $"The {request.What} has {bytes} bytes, but {expected} were expected.");
        }

        var sha256 = await FileHashes.Sha256Async(part, cancellationToken);
        if (request.ExpectedSha256 is { Length: > 0 } wanted && !string.Equals(wanted, sha256, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(part);
            throw new StageFailure(request.Stage,
                $"The {request.What} does not have the expected SHA-256 (expected {wanted.ToLowerInvariant()}, got {sha256}); the URL serves a different file than the run names.");
        }

        File.Move(part, request.Destination, overwrite: true);
        DownloadLog.Finished(logger, request.What, bytes, sha256);
        return new DownloadedFile(request.Destination, bytes, sha256);
    }

    private static async Task<DownloadedFile?> ExistingAsync(DownloadRequest request, CancellationToken cancellationToken)
    {
        if (!File.Exists(request.Destination) || request.ExpectedSha256 is not { Length: > 0 })
        {
            return null;
        }

        var bytes = new FileInfo(request.Destination).Length;
        var sha256 = await FileHashes.Sha256Async(request.Destination, cancellationToken);
        return (request.ExpectedBytes is null || request.ExpectedBytes == bytes) && string.Equals(sha256, request.ExpectedSha256, StringComparison.OrdinalIgnoreCase)
            ? new DownloadedFile(request.Destination, bytes, sha256)
            : null;
    }

    private async Task FetchAsync(DownloadRequest request, string part, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(HttpClientName);
        var backoff = new Backoff(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
        var host = new Uri(request.Url).Host;
        var problem = "";
        for (var attempt = 1; attempt <= options.Value.TransferAttempts; attempt++)
        {
            var offset = File.Exists(part) ? new FileInfo(part).Length : 0;
            if (request.ExpectedBytes is { } expected && offset > expected)
            {
                File.Delete(part);
                offset = 0;
            }

            if (offset > 0 && offset == request.ExpectedBytes)
            {
                return;
            }

            DownloadLog.Starting(logger, request.What, host, offset);
            try
            {
                if (await FetchOnceAsync(client, request, part, offset, host, cancellationToken))
                {
                    return;
                }

                problem = "the connection closed early";
            }
            catch (HttpRequestException ex)
            {
                problem = ex.HttpRequestError.ToString();
            }
            catch (IOException ex)
            {
                problem = ex.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = $"nothing received for {options.Value.TransferStallTimeout}";
            }
            catch (RetryableStatusException ex)
            {
                problem = ex.Message;
            }

            DownloadLog.Interrupted(logger, request.What, problem, attempt);
            if (attempt < options.Value.TransferAttempts)
            {
                await backoff.WaitAsync(attempt, time, cancellationToken);
            }
        }

        throw new StageFailure(request.Stage, $"The {request.What} could not be downloaded from {host} after {options.Value.TransferAttempts} attempts ({problem}).");
    }

    /// <returns>True when the whole file is in <paramref name="part"/>.</returns>
    private async Task<bool> FetchOnceAsync(HttpClient client, DownloadRequest request, string part, long offset, string host, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, request.Url);
        if (request.Authorization is { Length: > 0 } authorization)
        {
            // HttpClient drops this header when the source redirects (e.g. Civitai to its CDN), so the key goes to one host only.
            message.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (offset > 0)
        {
            message.Headers.Range = new RangeHeaderValue(offset, null);
        }

        using var stall = new StallWatch(options.Value.TransferStallTimeout, time, cancellationToken);
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, stall.Token);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The part file is as long as (or longer than) the source: start over rather than trust it.
            File.Delete(part);
            throw new RetryableStatusException("HTTP 416 for the resumed range");
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = (int)response.StatusCode;
            if (status is 408 or 425 or 429 || status >= 500)
            {
                throw new RetryableStatusException($"HTTP {status}");
            }

            throw new StageFailure(request.Stage, $"{host} refused the {request.What} download with HTTP {status}"
                + (status is 401 or 403 ? " (missing or wrong authorization, or an expired link)." : "."));
        }

        var resumed = response.StatusCode == HttpStatusCode.PartialContent && response.Content.Headers.ContentRange?.From == offset;
        var total = (resumed ? response.Content.Headers.ContentRange?.Length : response.Content.Headers.ContentLength) ?? request.ExpectedBytes;
        await using (var target = new FileStream(part, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
        await using (var source = await response.Content.ReadAsStreamAsync(stall.Token))
        {
            await CopyAsync(source, target, stall, cancellationToken);
        }

        var length = new FileInfo(part).Length;
        return total is null || length >= total;
    }

    private static async Task CopyAsync(Stream source, Stream target, StallWatch stall, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        while (true)
        {
            stall.Progressed();
            var read = await source.ReadAsync(buffer, stall.Token);
            if (read == 0)
            {
                return;
            }

            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    private sealed class RetryableStatusException(string message) : Exception(message);
}
