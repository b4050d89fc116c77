using LoraTrainer.Api;
using LoraTrainer.Operator.Runtime;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class TrainingRunReconciler
{
    /// <summary>
    /// <c>spec.finish</c> on a run no agent is training (between attempts, waiting for a GPU, suspended, paused): it
    /// completes with the best epoch earlier attempts kept in the bucket, copied to its output and verified, or fails
    /// when none was kept. A copy that fails is logged, made a Warning Event and <c>status.message</c>, and tried again:
    /// meanwhile a run that holds no GPU rents none (the retry this returns), and one that holds a GPU stays supervised.
    /// </summary>
    private async Task<(TrainingRun Run, ReconcileResult? Retry)> FinishEarlyAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (EpochSelection.BestKept(run) is not { } best)
        {
            return (await ApplyAsync(run, new FinishEarlyInput(), cancellationToken).ConfigureAwait(false), null);
        }

        var outcome = await selection.FinishAsync(run, best, cancellationToken).ConfigureAwait(false);
        if (outcome.Output is { } output)
        {
            return (await ApplyAsync(run, new FinishEarlyInput(output), cancellationToken).ConfigureAwait(false), null);
        }

        var problem = $"{outcome.Refusal}; trying again";
        TrainingRunLog.FinishNotCopied(logger, Name(run), outcome.Refusal!);
        await events.WarningAsync(run, "FinishNotCopied", problem, cancellationToken).ConfigureAwait(false);
        run = await WriteAsync(run, run.Status! with { Message = problem }, cancellationToken).ConfigureAwait(false);
        if (run.Status!.Phase is not (TrainingPhase.Pending or TrainingPhase.Stalled))
        {
            return (run, null);
        }

        // A stalled attempt's instance is released here rather than by the allocation the retry skips.
        var released = await ReleaseAsync(run, cancellationToken).ConfigureAwait(false);
        return (released.Run, released.Retry ?? ReconcileResult.RequeueAfter(options.Value.InstanceCheckInterval));
    }

    /// <summary>
    /// Deletes what a completed run should not keep (<see cref="RunLeftovers"/>), once the epoch the user selected, if
    /// any, is at its output. A failure is logged and made a Warning Event, and <c>Failed</c> tells the caller to come
    /// back; the run stays completed meanwhile.
    /// </summary>
    private async Task<(TrainingRun Run, bool Failed)> DeleteLeftoversAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var waitsForSelection = EpochSelection.IsDue(run) && EpochSelection.Refusal(run) is null;
        if (waitsForSelection || RunLeftovers.Of(run) is not { Count: > 0 } files)
        {
            return (run, false);
        }

        var outcome = await leftovers.DeleteAsync(run, cancellationToken).ConfigureAwait(false);
        if (outcome.Status is not { } status)
        {
            TrainingRunLog.LeftoversNotDeleted(logger, Name(run), outcome.Problem!);
            await events.WarningAsync(run, "LeftoversNotDeleted", $"files the run no longer needs were not deleted: {outcome.Problem}; trying again", cancellationToken).ConfigureAwait(false);
            return (run, true);
        }

        run = await WriteAsync(run, status, cancellationToken).ConfigureAwait(false);
        await events.NormalAsync(run, "LeftoversDeleted", $"deleted {Describe(files)}, which output.keep does not keep", cancellationToken).ConfigureAwait(false);
        return (run, false);
    }

    private static string Describe(IReadOnlyList<S3Uri> files) =>
        files.Count == 1 ? files[0].ToString() : $"{files.Count} files: {string.Join(", ", files.Select(f => f.Key))}";
}
