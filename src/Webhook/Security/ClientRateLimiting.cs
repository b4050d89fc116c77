using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Webhook.Security;

/// <summary>
/// ASP.NET Core's rate limiter in front of the agent API, one token bucket per client address, checked before
/// anything else: an unsigned flood is refused before it costs a Secret read or an HMAC.
/// </summary>
/// <remarks>
/// The per-run limit stays after the signature check (<see cref="ReceiverOptions.EventsPerSecondPerRun"/>): partitioned
/// by route values before authentication, anyone who knows a run's URL could spend that run's budget and starve its
/// agent. Probes and <c>/metrics</c> are not limited.
/// </remarks>
internal static class ClientRateLimiting
{
    /// <summary>The path prefix of the agent API.</summary>
    public const string AgentApiPrefix = "/v1/runs";

    /// <summary>Registers the limiter and the middleware that applies it ahead of routing.</summary>
    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ReceiverOptions>, ReceiverMetrics>((limiter, settings, metrics) => Configure(limiter, settings.Value, metrics));
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, RateLimiterStartupFilter>());
        return services;
    }

    private static void Configure(RateLimiterOptions limiter, ReceiverOptions settings, ReceiverMetrics metrics)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            !context.Request.Path.StartsWithSegments(AgentApiPrefix, StringComparison.Ordinal)
                ? RateLimitPartition.GetNoLimiter("operations")
                : RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = settings.RequestBurstPerClient,
                    TokensPerPeriod = settings.RequestsPerSecondPerClient,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    AutoReplenishment = true,
                    QueueLimit = 0,
                }));
        limiter.OnRejected = async (rejected, cancellationToken) =>
        {
            metrics.ClientLimited();
            var seconds = RetryAfter.Set(rejected.HttpContext.Response, rejected.Lease);
            await rejected.HttpContext.Response.WriteAsJsonAsync(
                new ErrorBody($"too many requests from this address; retry in {seconds} s"), ReceiverJson.Answers.ErrorBody, contentType: null, cancellationToken).ConfigureAwait(false);
        };
    }

    /// <summary>Puts the rate limiter first in the pipeline, so every host that adds the receiver gets it.</summary>
    private sealed class RateLimiterStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseRateLimiter();
            next(app);
        };
    }
}
