using LoraTrainer.Api;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class TrainingRunReconciler
{
    /// <summary>
    /// Completes, aborts or evicts what the agent reported about the model cache, records it in <c>status.model.files</c>
    /// and says it in Events (a Warning for a failed fill and for an evicted object).
    /// </summary>
    private async Task<TrainingRun> SettleModelCacheAsync(TrainingRun run, CancellationToken cancellationToken) =>
        (await SettleModelCacheFilesAsync(run, cancellationToken).ConfigureAwait(false)).Run;

    /// <summary><see cref="SettleModelCacheAsync"/>, saying too whether a store outage left something to try again.</summary>
    private async Task<(TrainingRun Run, bool RetryLater)> SettleModelCacheFilesAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (await preparation.SettleCacheAsync(run, cancellationToken).ConfigureAwait(false) is not { } settled)
        {
            return (run, false);
        }

        run = await WriteAsync(run, run.Status! with { Model = run.Status.Model! with { Files = settled.Files } }, cancellationToken).ConfigureAwait(false);
        foreach (var notice in settled.Notices)
        {
            await (notice.Warning
                ? events.WarningAsync(run, notice.Reason, notice.Message, cancellationToken)
                : events.NormalAsync(run, notice.Reason, notice.Message, cancellationToken)).ConfigureAwait(false);
        }

        return (run, settled.RetryLater);
    }
}
