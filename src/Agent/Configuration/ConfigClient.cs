using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Configuration;

/// <summary>Fetches the run's config with a signed <c>GET {run}/config</c>, retrying with jittered backoff until <see cref="AgentOptions.ConfigTimeout"/>.</summary>
/// <remarks>Every fetch returns fresh presigned URLs, so the agent fetches again when a URL has expired.</remarks>
internal sealed class ConfigClient(
    IHttpClientFactory httpClients,
    ReceiverUrls endpoints,
    IOptions<AgentOptions> options,
    SecretScrubber scrubber,
    WatchdogLedger watchdog,
    TimeProvider time,
    ILogger<ConfigClient> logger)
{
    /// <summary>Returns the config; throws <see cref="ReceiverUnreachableException"/> when the receiver never answered with one.</summary>
    public async Task<AgentConfig> FetchAsync(CancellationToken cancellationToken)
    {
        var client = httpClients.CreateClient(ReceiverUrls.HttpClientName);
        var backoff = new Backoff(options.Value.RetryBaseDelay, options.Value.RetryMaxDelay);
        var deadline = time.GetUtcNow() + options.Value.ConfigTimeout;
        for (var attempt = 1; ; attempt++)
        {
            string problem;
            try
            {
                using var response = await client.GetAsync(endpoints.Config, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    var config = await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.AgentConfig, cancellationToken)
                        ?? throw new StageFailure(Stages.Config, "The receiver answered the config request with an empty document.");
                    Remember(config);
                    watchdog.ConfigFetched(config);
                    ReportingLog.ConfigFetched(logger, config.Run.Namespace, config.Run.Name, config.Run.Attempt);
                    return config;
                }

                problem = response.StatusCode == HttpStatusCode.Unauthorized
                    ? "HTTP 401: the receiver refused the signature; check LORATRAINER_RUN_TOKEN and the host clock"
                    : $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                problem = ex.HttpRequestError.ToString();
            }
            catch (JsonException ex)
            {
                throw new StageFailure(Stages.Config, $"The config document is not valid protocol v1 JSON: {ex.Message}");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = "timeout";
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new ReceiverUnreachableException($"No config from the receiver within {options.Value.ConfigTimeout} (last problem: {problem}).");
            }

            ReportingLog.ConfigRetry(logger, problem, attempt);
            await backoff.WaitAsync(attempt, time, cancellationToken);
        }
    }

    // Everything secret in the config is registered before anything else can print it.
    private void Remember(AgentConfig config)
    {
        scrubber.Add(config.Dataset.Url);
        scrubber.Add(config.Model.Url);
        scrubber.Add(config.Model.Authorization);
        foreach (var file in config.Model.ExtraFiles)
        {
            scrubber.Add(file.Url);
            scrubber.Add(file.Authorization);
        }

        scrubber.Add(config.Outputs.Best.Url);
        foreach (var target in config.Outputs.Epochs)
        {
            scrubber.Add(target.Url);
        }

        foreach (var part in config.State?.Upload?.Parts ?? [])
        {
            scrubber.Add(part.Url);
        }

        scrubber.Add(config.State?.Restore?.Url);
        foreach (var kept in config.State?.Restore?.Epochs ?? [])
        {
            scrubber.Add(kept.Url);
        }
    }
}

/// <summary>The receiver could not be reached for longer than the agent waits.</summary>
internal sealed class ReceiverUnreachableException(string message) : Exception(message);
