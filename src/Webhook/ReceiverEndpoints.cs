using System.Diagnostics;
using System.Text.Json;
using System.Threading.RateLimiting;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Protocol;
using LoraTrainer.Webhook.Events;
using LoraTrainer.Webhook.Runs;
using LoraTrainer.Webhook.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LoraTrainer.Webhook;

/// <summary>The agent-facing API: <c>GET {run}/config</c> and <c>POST {run}/events</c>, both signed with the run's token.</summary>
public static class ReceiverEndpoints
{
    private static readonly object UnauthorizedBody = new { error = "unauthorized" };

    /// <summary>Maps the run endpoints under <c>/v1/runs/{namespace}/{name}</c>.</summary>
    public static IEndpointRouteBuilder MapWebhookReceiver(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var runs = app.MapGroup("/v1/runs/{namespace}/{name}");
        runs.MapGet("/config", GetConfigAsync);
        runs.MapPost("/events", PostEventAsync);
        return app;
    }

    /// <summary>Maps <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> (Prometheus format).</summary>
    public static IEndpointRouteBuilder MapReceiverOperations(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/healthz");
        app.MapHealthChecks("/readyz");
        app.MapMetrics("/metrics");
        return app;
    }

    internal static async Task<Results<FileContentHttpResult, JsonHttpResult<object>>> GetConfigAsync(
        string @namespace, string name, HttpRequest request, RunCredentials credentials, TimeProvider time, CancellationToken cancellationToken)
    {
        var token = await credentials.TokenAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        if (!SignedRequest.IsValid(request, token, ReadOnlySpan<byte>.Empty, time.GetUtcNow()))
        {
            return Unauthorized();
        }

        var config = await credentials.ConfigAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        return config is null
            ? TypedResults.Json<object>(new { error = "the run's config is not ready yet; retry" }, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Bytes(config, "application/json");
    }

    internal static async Task<Results<Ok<EventAck>, JsonHttpResult<object>>> PostEventAsync(
        string @namespace, string name, HttpRequest request, RunCredentials credentials, RunStatusUpdater updater,
        PartitionedRateLimiter<string> limiter, IOptions<ReceiverOptions> options, TimeProvider time, ReceiverMetrics metrics,
        ILogger<RunStatusUpdater> logger, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var key = new ResourceKey(@namespace, name);
        var kind = "unknown";
        Results<Ok<EventAck>, JsonHttpResult<object>> Finish(string outcome, Results<Ok<EventAck>, JsonHttpResult<object>> result)
        {
            metrics.Event(kind, outcome, Stopwatch.GetElapsedTime(started));
            return result;
        }

        var body = await SignedRequest.ReadBodyAsync(request, options.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Finish("too_large", Error(StatusCodes.Status413PayloadTooLarge, $"the body exceeds {options.Value.MaxBodyBytes} bytes"));
        }

        var token = await credentials.TokenAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        if (!SignedRequest.IsValid(request, token, body, time.GetUtcNow()))
        {
            ReceiverLog.Refused(logger, key.ToString(), "unauthorized");
            return Finish("unauthorized", Unauthorized());
        }

        using var lease = limiter.AttemptAcquire(key.ToString());
        if (!lease.IsAcquired)
        {
            return Finish("rate_limited", Error(StatusCodes.Status429TooManyRequests, "too many events for this run; slow down"));
        }

        AgentEvent? evt;
        try
        {
            evt = JsonSerializer.Deserialize<AgentEvent>(body, ProtocolJson.Options);
        }
        catch (JsonException ex)
        {
            return Finish("invalid", Error(StatusCodes.Status400BadRequest, $"malformed JSON: {ex.Message}"));
        }

        if (evt is null)
        {
            return Finish("invalid", Error(StatusCodes.Status400BadRequest, "malformed JSON: the body is null"));
        }

        kind = EventKinds.All.Contains(evt.Kind) ? evt.Kind : "unknown";
        try
        {
            var run = await updater.ReadRunAsync(key, refresh: false, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                return Finish("unauthorized", Unauthorized());
            }

            var (input, error) = EventTranslator.Translate(evt, run);
            if (input is null)
            {
                return Finish("invalid", Error(StatusCodes.Status400BadRequest, error!));
            }

            var outcome = await updater.ApplyAsync(key, run, input, cancellationToken).ConfigureAwait(false);
            if (!outcome.Accepted && evt.Attempt != (run.Status?.Attempt ?? 0))
            {
                // The cached run may predate a retry the reconciler just started: look again before refusing.
                run = await updater.ReadRunAsync(key, refresh: true, cancellationToken).ConfigureAwait(false);
                if (run is not null)
                {
                    outcome = await updater.ApplyAsync(key, run, EventTranslator.Translate(evt, run).Input!, cancellationToken).ConfigureAwait(false);
                }
            }

            if (!outcome.Accepted && evt.Attempt > (run?.Status?.Attempt ?? 0))
            {
                // The agent started before the operator recorded the rent that started it: refusing would lose the
                // event (the agent does not send it again), so ask for it again shortly.
                return Finish("early", Error(StatusCodes.Status409Conflict, $"attempt {evt.Attempt} is not recorded on the run yet; retry with the same seq"));
            }

            if (outcome.Accepted && !outcome.Coalesced && run?.Status?.Phase != outcome.Phase)
            {
                ReceiverLog.PhaseChanged(logger, key.ToString(), kind, evt.Seq, outcome.Phase.ToWireName());
            }

            return Finish(outcome.Accepted ? "accepted" : "ignored", TypedResults.Ok(new EventAck { Accepted = outcome.Accepted, Phase = outcome.Phase.ToWireName() }));
        }
        catch (KubernetesApiException ex)
        {
            ReceiverLog.ApplyFailed(logger, key.ToString(), kind, ex.Message);
            return Finish("error", Error(StatusCodes.Status503ServiceUnavailable, "the event could not be recorded; retry with the same seq"));
        }
    }

    private static JsonHttpResult<object> Unauthorized() => TypedResults.Json(UnauthorizedBody, statusCode: StatusCodes.Status401Unauthorized);

    private static JsonHttpResult<object> Error(int status, string message) => TypedResults.Json<object>(new { error = message }, statusCode: status);
}
