using System.Diagnostics.CodeAnalysis;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace LoraTrainer.Operator.Vast.Http;

/// <summary>The resilience pipeline of every Vast call: total timeout, jittered retries, pacing, attempt timeout.</summary>
internal static class VastResilience
{
    /// <summary>The name of the pipeline in metrics and logs.</summary>
    public const string PipelineName = "vast";

    /// <summary>Builds the pipeline from <see cref="VastOptions"/>.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Polly checks strategy options' data annotations; VastPacingStrategyOptions has none, and its members are kept by the DynamicDependency.")]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(VastPacingStrategyOptions))]
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var options = context.ServiceProvider.GetRequiredService<IOptions<VastOptions>>().Value;
        var pacer = context.ServiceProvider.GetRequiredService<VastPacer>();
        builder
            .AddTimeout(new HttpTimeoutStrategyOptions { Name = "VastTotalTimeout", Timeout = options.TotalTimeout })
            .AddRetry(new HttpRetryStrategyOptions
            {
                Name = "VastRetry",
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = arguments => ValueTask.FromResult(ShouldRetry(arguments.Outcome, arguments.Context.GetRequestMessage())),
            })
            .AddStrategy(_ => new VastPacingStrategy(pacer), new VastPacingStrategyOptions())
            .AddTimeout(new HttpTimeoutStrategyOptions { Name = "VastAttemptTimeout", Timeout = options.AttemptTimeout });
    }

    /// <summary>Whether an outcome is retried: transient failures of idempotent calls, and only 429 for create.</summary>
    /// <remarks>
    /// A 429 means Vast refused the create before doing anything, so sending it again is safe. After a
    /// timeout or a 5xx the instance may exist; the provider looks it up by label instead of retrying blindly.
    /// </remarks>
    public static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, HttpRequestMessage? request)
    {
        if (!HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return false;
        }

        var endpoint = request is null ? VastEndpoint.Other : VastEndpoints.Classify(request);
        return endpoint != VastEndpoint.Create || outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests;
    }
}
