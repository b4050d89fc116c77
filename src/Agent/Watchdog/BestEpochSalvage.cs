using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Uploads;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Watchdog;

/// <summary>
/// Saves what a run cut short has produced: the best epoch whose file is whole is uploaded to the run's output with
/// the presigned PUT of the latest config (valid for a day by default, so it still works when the receiver is gone).
/// </summary>
internal sealed class BestEpochSalvage(
    WatchdogLedger ledger,
    PresignedUploader uploader,
    WorkLayout work,
    SecretScrubber scrubber,
    ILogger<BestEpochSalvage> logger)
{
    /// <summary>Uploads the best finished epoch, if there is one; logs what happened and never throws but for cancellation.</summary>
    /// <returns>The epoch uploaded, or null when nothing was.</returns>
    public async Task<int?> UploadAsync(CancellationToken cancellationToken)
    {
        if (ledger.ResultUploaded)
        {
            WatchdogLog.NothingToSalvage(logger, "the run already uploaded its result");
            return null;
        }

        if (ledger.Config is not { } config || !Uri.TryCreate(config.Outputs.Best.Url, UriKind.Absolute, out _))
        {
            WatchdogLog.NothingToSalvage(logger, "no config with an upload target was ever fetched");
            return null;
        }

        var finished = ledger.Epochs.Where(IsWhole).ToList();
        if (Choose(finished) is not { } best)
        {
            WatchdogLog.NothingToSalvage(logger, "no epoch has been saved yet");
            return null;
        }

        try
        {
            var uploaded = await uploader.UploadAsync(PathOf(best), config.Outputs.Best.Url, $"best epoch so far ({best.Epoch})", cancellationToken);
            WatchdogLog.Salvaged(logger, best.Epoch, best.Loss, config.Outputs.Best.Key, uploaded.Bytes, uploaded.Sha256);
            return best.Epoch;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever went wrong, the instance must still be destroyed next: report it and move on.
            WatchdogLog.SalvageFailed(logger, best.Epoch, scrubber.Scrub(ex.Message));
            return null;
        }
    }

    /// <summary>
    /// The epoch to keep among whole ones: the lowest loss (ties to the later epoch, as for a finished run), or the
    /// latest when none has a usable loss; null when there is none.
    /// </summary>
    public static SavedEpoch? Choose(IReadOnlyList<SavedEpoch> finished)
    {
        var scored = finished.Where(e => e.Loss is not null).Select(e => new EpochLossReading(e.Epoch, e.Loss!.Value, "reported"));
        return BestEpoch.Select(scored) is { } best
            ? finished.First(e => e.Epoch == best.Epoch)
            : finished.MaxBy(e => e.Epoch);
    }

    // The trainer announces a checkpoint before writing it, and may be killed mid-write: only a whole file of the
    // right epoch is worth uploading.
    private bool IsWhole(SavedEpoch epoch) => SavedCheckpoint.Problem(PathOf(epoch), epoch.Epoch, out _) is null;

    private string PathOf(SavedEpoch epoch) => Path.Combine(work.OutputDirectory, Path.GetFileName(epoch.File));
}
