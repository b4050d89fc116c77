using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace LoraTrainer.Operator.Vast.Http;

/// <summary>A resilience strategy that holds each attempt (retries included) until its endpoint's turn, and ends the turn when the answer is in.</summary>
/// <remarks>It sits between the retry and the attempt timeout, so time spent queueing never counts as a timed-out (and thus ambiguous) create.</remarks>
internal sealed class VastPacingStrategy(VastPacer pacer) : ResilienceStrategy<HttpResponseMessage>
{
    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback,
        ResilienceContext context,
        TState state)
    {
        var request = context.GetRequestMessage();
        var endpoint = request is null ? VastEndpoint.Other : VastEndpoints.Classify(request);
        IDisposable turn;
        try
        {
            turn = await pacer.EnterAsync(endpoint, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch (OperationCanceledException exception)
        {
            return Outcome.FromException<HttpResponseMessage>(exception);
        }

        using (turn)
        {
            return await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        }
    }
}

/// <summary>Options of <see cref="VastPacingStrategy"/>; the intervals themselves live in <see cref="VastPacingOptions"/>.</summary>
internal sealed class VastPacingStrategyOptions : ResilienceStrategyOptions
{
    public VastPacingStrategyOptions() => Name = "VastPacing";
}
