using LoraTrainer.Webhook.Runs;

namespace LoraTrainer.Webhook.Security;

/// <summary>
/// Answers the one 401 to a path whose namespace or name could not name a TrainingRun, before anything reads the
/// cluster: a made-up name is an unknown run, and costs no Secret read.
/// </summary>
internal sealed class RunNameFilter(ReceiverMetrics metrics) : IEndpointFilter
{
    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var route = context.HttpContext.Request.RouteValues;
        if (RunNames.AreValid(route["namespace"] as string, route["name"] as string))
        {
            return await next(context).ConfigureAwait(false);
        }

        if (HttpMethods.IsPost(context.HttpContext.Request.Method))
        {
            metrics.Event("unknown", "unauthorized", TimeSpan.Zero);
        }

        return ReceiverEndpoints.Unauthorized();
    }
}
