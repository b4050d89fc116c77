using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Uploads;

/// <summary>
/// One presigned PUT, retried with backoff on network errors, 408, 429, 5xx, stalls (nothing sent or answered for
/// <see cref="AgentOptions.TransferStallTimeout"/>) and answers the caller finds wrong; refused at once on any other 4xx.
/// </summary>
internal sealed class PresignedPut(IHttpClientFactory httpClients, IOptions<AgentOptions> options, TimeProvider time, ILogger<PresignedPut> logger)
{
    /// <summary>Sends the body <paramref name="content"/> makes until <paramref name="check"/> accepts a 2xx answer; throws <see cref="StageFailure"/> (stage upload).</summary>
    /// <param name="url">The presigned URL (never logged).</param>
    /// <param name="what">Names what is sent in messages.</param>
    /// <param name="content">A fresh body per attempt, reporting progress to the stall watch.</param>
    /// <param name="check">Reads a 2xx answer: the result, or why it is wrong (then the PUT is tried again).</param>
    /// <param name="cancellationToken">Stops the upload.</param>
    public async Task<T> SendAsync<T>(string url, string what, Func<StallWatch, HttpContent> content, Func<HttpResponseMessage, (T? Result, string? Problem)> check, CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(ResumableDownloader.HttpClientName);
        var backoff = new Backoff(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
        var host = new Uri(url).Host;
        var problem = "";
        for (var attempt = 1; attempt <= options.Value.TransferAttempts; attempt++)
        {
            try
            {
                using var stall = new StallWatch(options.Value.TransferStallTimeout, time, cancellationToken);
                using var body = content(stall);
                using var response = await client.PutAsync(url, body, stall.Token);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    var (result, wrong) = check(response);
                    if (wrong is null)
                    {
                        return result!;
                    }

                    problem = wrong;
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
