using System.Diagnostics;
using System.Threading.RateLimiting;
using LoraTrainer.Cluster;
using LoraTrainer.Protocol;
using LoraTrainer.Webhook.Events;
using LoraTrainer.Webhook.Runs;
using LoraTrainer.Webhook.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LoraTrainer.Webhook;

/// <summary>The agent-facing API: <c>GET {run}/config</c> and <c>POST {run}/events</c>, both signed with the run's token.</summary>
/// <remarks>
/// Answers: 200, 400 (malformed event, naming the field that is wrong, or an upload outside the run's keys), 401 (one
/// answer for an unknown run, a bad signature or a stale timestamp), 409 (an attempt not recorded yet), 413, 415 (an
/// event whose Content-Type is not <c>application/json</c>), 429 (with <c>Retry-After</c>) and 503 (the Kubernetes API
/// failed, or the config is not written yet). The agent retries all but 400 and 413.
/// </remarks>
public static class ReceiverEndpoints
{
    private static readonly ErrorBody UnauthorizedBody = new("unauthorized");

    /// <summary>Maps the run endpoints under <c>/v1/runs/{namespace}/{name}</c>.</summary>
    public static IEndpointRouteBuilder MapWebhookReceiver(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var runs = app.MapGroup(ClientRateLimiting.AgentApiPrefix + "/{namespace}/{name}").AddEndpointFilter<RunNameFilter>();
        runs.MapGet("/config", GetConfigAsync);
        runs.MapPost("/events", PostEventAsync);
        return app;
    }

    /// <summary>Maps <c>/healthz</c> (the process answers), <c>/readyz</c> (the Kubernetes API answers it) and <c>/metrics</c> (Prometheus format).</summary>
    public static IEndpointRouteBuilder MapReceiverOperations(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReceiverServiceCollectionExtensions.ReadyTag) });
        app.MapMetrics("/metrics", app.ServiceProvider.GetRequiredService<CollectorRegistry>());
        return app;
    }

    internal static async Task<Results<FileContentHttpResult, JsonHttpResult<ErrorBody>>> GetConfigAsync(
        string @namespace, string name, HttpRequest request, RunSecretReader secrets, TimeProvider time, ReceiverMetrics metrics,
        ILogger<RunSecretReader> logger, CancellationToken cancellationToken)
    {
        try
        {
            var token = await secrets.TokenAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
            if (!SignedRequest.IsValid(request, token, ReadOnlySpan<byte>.Empty, time.GetUtcNow()))
            {
                return Unauthorized();
            }

            var config = await secrets.ConfigAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
            return config is null
                ? Error(StatusCodes.Status503ServiceUnavailable, "the run's config is not ready yet; retry")
                : TypedResults.Bytes(config, "application/json");
        }
        catch (Exception ex) when (KubernetesFailures.Reason(ex, cancellationToken) is { } reason)
        {
            metrics.KubernetesFailed(reason);
            ReceiverLog.ConfigFailed(logger, $"{@namespace}/{name}", KubernetesFailures.Describe(ex));
            return Error(StatusCodes.Status503ServiceUnavailable, "the run's config could not be read; retry");
        }
    }

    internal static async Task<Results<Ok<EventAck>, JsonHttpResult<ErrorBody>>> PostEventAsync(
        string @namespace, string name, HttpRequest request, RunSecretReader secrets, EventProcessor processor,
        PartitionedRateLimiter<string> limiter, IOptions<ReceiverOptions> options, TimeProvider time, ReceiverMetrics metrics,
        ILogger<RunStatusUpdater> logger, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var key = new ResourceKey(@namespace, name);
        var kind = "unknown";
        Results<Ok<EventAck>, JsonHttpResult<ErrorBody>> Finish(string outcome, Results<Ok<EventAck>, JsonHttpResult<ErrorBody>> result)
        {
            metrics.Event(kind, outcome, Stopwatch.GetElapsedTime(started));
            return result;
        }

        var body = await SignedRequest.ReadBodyAsync(request, options.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return Finish("too_large", Error(StatusCodes.Status413PayloadTooLarge, $"the body exceeds {options.Value.MaxBodyBytes} bytes"));
        }

        try
        {
            var token = await secrets.TokenAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
            if (!SignedRequest.IsValid(request, token, body, time.GetUtcNow()))
            {
                ReceiverLog.Refused(logger, key.ToString(), "unauthorized");
                return Finish("unauthorized", Unauthorized());
            }

            // After the signature, so that an unsigned request learns nothing but the one 401.
            if (!EventBody.IsJson(request.ContentType))
            {
                return Finish("unsupported_media_type", Error(StatusCodes.Status415UnsupportedMediaType, "an event is sent as Content-Type: application/json"));
            }

            using var lease = limiter.AttemptAcquire(key.ToString());
            if (!lease.IsAcquired)
            {
                var seconds = RetryAfter.Set(request.HttpContext.Response, lease);
                return Finish("rate_limited", Error(StatusCodes.Status429TooManyRequests, $"too many events for this run; slow down (retry in {seconds} s)"));
            }

            var (evt, invalid) = EventBody.Read(body);
            if (evt is null)
            {
                return Finish("invalid", Error(StatusCodes.Status400BadRequest, invalid!));
            }

            kind = EventKinds.All.Contains(evt.Kind) ? evt.Kind : "unknown";
            var decision = await processor.ProcessAsync(key, evt, kind, cancellationToken).ConfigureAwait(false);
            return decision switch
            {
                null => Finish("unauthorized", Unauthorized()),
                { Ack: { } ack } => Finish(decision.Outcome, TypedResults.Ok(ack)),
                _ => Finish(decision.Outcome, Error(decision.Status, decision.Error!)),
            };
        }
        catch (Exception ex) when (KubernetesFailures.Reason(ex, cancellationToken) is { } reason)
        {
            metrics.KubernetesFailed(reason);
            ReceiverLog.ApplyFailed(logger, key.ToString(), kind, KubernetesFailures.Describe(ex));
            return Finish("error", Error(StatusCodes.Status503ServiceUnavailable, "the event could not be recorded; retry with the same seq"));
        }
    }

    /// <summary>The one answer for an unknown run, a bad signature or a stale timestamp.</summary>
    internal static JsonHttpResult<ErrorBody> Unauthorized() => TypedResults.Json(UnauthorizedBody, ReceiverJson.Answers.ErrorBody, statusCode: StatusCodes.Status401Unauthorized);

    private static JsonHttpResult<ErrorBody> Error(int status, string message) => TypedResults.Json(new ErrorBody(message), ReceiverJson.Answers.ErrorBody, statusCode: status);
}
