using LoraTrainer.Api;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Vast;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// What a run does when a Vast call fails: it says so in <c>status.message</c> and a Warning Event, and calls again
/// after a calm delay. Renting never fails the run for it (a key can be fixed, an outage passes), and releasing keeps
/// trying for as long as it takes, because the GPU bills until it is gone.
/// </summary>
internal sealed partial class TrainingRunReconciler
{
    /// <summary>Where a status message says the GPU is still held; cut off again once it is released.</summary>
    private const string NotReleased = "; the GPU is not released yet (";

    /// <summary>The run after a release, and when to try again if the release failed.</summary>
    private sealed record ReleaseOutcome(TrainingRun Run, ReconcileResult? Retry);

    /// <summary>Renting or planning failed at Vast: <paramref name="what"/> plus the reason becomes the message, and the run looks again later.</summary>
    private async Task<ReconcileResult> ReportVastTroubleAsync(TrainingRun run, string what, VastApiException error, CancellationToken cancellationToken)
    {
        var interval = error is VastAuthenticationException || !error.IsTransient
            ? options.Value.VastRefusalRetryInterval
            : options.Value.VastOutageRetryInterval;
        TrainingRunLog.VastFailed(logger, Name(run), error.Message);
        await WriteAsync(run, run.Status! with { Message = $"{what}: {error.Message}; looking again in {Duration.Format(interval)}" }, cancellationToken).ConfigureAwait(false);
        var reason = error switch
        {
            VastAuthenticationException => "VastKeyRejected",
            { IsTransient: true } => "VastUnavailable",
            _ => "VastRefused",
        };
        await events.WarningAsync(run, reason, error.Message, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.RequeueAfter(RunSupervisor.WaitWithoutGpu(run, time.GetUtcNow(), interval));
    }

    /// <summary>Releases the current instance and then any instance the next attempt's create may have left behind.</summary>
    private async Task<ReleaseOutcome> ReleaseEverythingAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var released = await ReleaseAsync(run, cancellationToken).ConfigureAwait(false);
        if (released.Retry is not null || released.Run.Status is not { } status)
        {
            return released;
        }

        // A create whose answer was lost leaves an instance under the next attempt's label that no status names.
        var next = status.Attempt + 1;
        try
        {
            await gpus.ReleaseByLabelAsync(released.Run, next, cancellationToken).ConfigureAwait(false);
        }
        catch (VastApiException error)
        {
            return await ReportReleaseTroubleAsync(released.Run, $"instance labelled {gpus.LabelFor(released.Run, next)}", error, cancellationToken).ConfigureAwait(false);
        }

        return released;
    }

    /// <summary>A release failed: the message says which GPU still bills and why, and the reconcile comes back to destroy it again.</summary>
    private async Task<ReleaseOutcome> ReportReleaseTroubleAsync(TrainingRun run, string instance, VastApiException error, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        var interval = options.Value.VastOutageRetryInterval;
        var problem = $"{instance}): {error.Message}; trying again in {Duration.Format(interval)}";
        TrainingRunLog.ReleaseFailed(logger, Name(run), instance, error.Message);
        var before = WithoutReleaseTrouble(status.Message) is { Length: > 0 } message ? message : status.Phase.ToWireName();
        run = await WriteAsync(run, status with { Message = before + NotReleased + problem }, cancellationToken).ConfigureAwait(false);
        await events.WarningAsync(run, "GpuReleaseFailed", $"the GPU is not released yet ({problem}", cancellationToken).ConfigureAwait(false);
        return new ReleaseOutcome(run, ReconcileResult.RequeueAfter(interval));
    }

    /// <summary>The message without a note that the GPU is not released yet.</summary>
    private static string? WithoutReleaseTrouble(string? message) =>
        message?.IndexOf(NotReleased, StringComparison.Ordinal) is int at and >= 0 ? message[..at] : message;
}
