using System.Net;
using System.Net.Http.Headers;
using System.Text;
using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Running;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Watchdog;

/// <summary>How the attempt to destroy the instance ended.</summary>
internal enum DestroyOutcome
{
    /// <summary>Vast destroyed the instance (or it was already gone).</summary>
    Destroyed,
    /// <summary>Not on Vast: no instance id or key, nothing to destroy.</summary>
    NotOnVast,
    /// <summary>Vast refused the key for this instance.</summary>
    Refused,
    /// <summary>Vast did not answer successfully within the attempts.</summary>
    Failed,
}

/// <summary>
/// Destroys this instance with <c>DELETE /api/v0/instances/{CONTAINER_ID}/</c> and Vast's per-instance key
/// (<c>Authorization: Bearer $CONTAINER_API_KEY</c>), retrying rate limits, 5xx and network errors with backoff.
/// </summary>
/// <remarks>
/// The per-instance key can act on this one instance only, so the agent never holds the account's key. Destroying is
/// the only way to stop paying: a stopped instance still bills for its disk.
/// </remarks>
internal sealed class VastSelfDestruct(
    IHttpClientFactory httpClients,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<VastSelfDestruct> logger)
{
    /// <summary>The environment variable with the instance id, injected by Vast.</summary>
    public const string ContainerIdVariable = "CONTAINER_ID";

    /// <summary>The environment variable with the per-instance key, injected by Vast.</summary>
    public const string ContainerApiKeyVariable = "CONTAINER_API_KEY";

    /// <summary>The name of the HTTP client that talks to Vast.</summary>
    public const string HttpClientName = "vast";

    /// <summary>Calls made before giving up.</summary>
    public const int Attempts = 6;

    /// <summary>True when this container knows its instance id and key, i.e. it runs on Vast.</summary>
    public bool OnVast => !string.IsNullOrWhiteSpace(options.Value.ContainerId) && !string.IsNullOrWhiteSpace(options.Value.ContainerApiKey);

    /// <summary>Destroys this instance; logs each step (never the key) and returns how it ended.</summary>
    public async Task<DestroyOutcome> DestroyAsync(CancellationToken cancellationToken)
    {
        if (!OnVast)
        {
            return DestroyOutcome.NotOnVast;
        }

        var id = options.Value.ContainerId!.Trim();
        var url = new Uri($"{options.Value.VastBaseUrl.TrimEnd('/')}/api/v0/instances/{Uri.EscapeDataString(id)}/");
        var client = httpClients.CreateClient(HttpClientName);
        var backoff = new Backoff(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
        var problem = "";
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, url) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.ContainerApiKey!.Trim());
                using var response = await client.SendAsync(request, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    WatchdogLog.Destroyed(logger, id);
                    return DestroyOutcome.Destroyed;
                }

                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    // Vast answers not_found / no_such_instance for an instance already gone: nothing bills any more.
                    WatchdogLog.AlreadyGone(logger, id);
                    return DestroyOutcome.Destroyed;
                }

                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
                {
                    WatchdogLog.DestroyRefused(logger, id, (int)response.StatusCode);
                    return DestroyOutcome.Refused;
                }

                problem = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                problem = ex.HttpRequestError.ToString();
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = "timeout";
            }

            WatchdogLog.DestroyRetry(logger, id, problem, attempt);
            if (attempt < Attempts)
            {
                await backoff.WaitAsync(attempt, time, cancellationToken);
            }
        }

        WatchdogLog.DestroyGaveUp(logger, id, Attempts, problem);
        return DestroyOutcome.Failed;
    }
}
