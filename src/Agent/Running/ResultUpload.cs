using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Running;

/// <summary>
/// Uploads the result: every epoch that has a target (when the run keeps all epochs) and was neither uploaded while
/// training (<see cref="EpochUploads"/>) nor kept by an earlier attempt, each reported with its size and SHA-256
/// (<c>epochUploaded</c>); then the best epoch, fetched first from the bucket when an earlier attempt trained it, then
/// reports <c>uploaded</c> with the metric that chose it. Before uploading, each file is checked
/// (<see cref="SavedCheckpoint"/>), so a wrong epoch-to-file mapping can never ship the wrong LoRA. A run finished
/// early uploads only the epochs saved before the finish.
/// </summary>
internal sealed class ResultUpload(
    PresignedUploader uploader, ResumableDownloader downloader, EpochUploads early, EventReporter reporter, WorkLayout work, ILogger<ResultUpload> logger)
{
    /// <summary>Uploads and reports; throws <see cref="StageFailure"/> (stage upload).</summary>
    public async Task UploadAsync(OutputTargets outputs, TrainingSetup setup, TrainingResult result, CancellationToken cancellationToken)
    {
        var done = await early.UploadedAsync();
        var earlier = (result.Earlier ?? []).ToDictionary(e => e.Epoch);
        foreach (var target in outputs.Epochs.OrderBy(t => t.Epoch))
        {
            if (target.Epoch < 1 || target.Epoch > result.TotalEpochs)
            {
                throw new StageFailure(Stages.Upload, $"outputs.epochs names epoch {target.Epoch}, but the run trained epochs 1 to {result.TotalEpochs}.");
            }

            if (done.Contains(target.Epoch) || earlier.ContainsKey(target.Epoch)
                || (result.FinishedEarly && !SavedCheckpoint.IsWhole(work.OutputDirectory, setup.OutputName, target.Epoch, result.TotalEpochs)))
            {
                continue;
            }

            var path = SavedCheckpoint.Verify(work.OutputDirectory, setup.OutputName, target.Epoch, result.TotalEpochs);
            var sent = await uploader.UploadAsync(path, target.Url, $"epoch {target.Epoch}", cancellationToken);
            reporter.Report(TrainingEvents.EpochUploaded(target.Epoch, target.Key, sent.Bytes, sent.Sha256));
        }

        var best = result.Best;
        var loss = best.LossBy(result.Metric);
        if (earlier.TryGetValue(best.Epoch, out var kept))
        {
            await downloader.DownloadAsync(new DownloadRequest($"epoch {best.Epoch} from an earlier attempt", Stages.Upload, kept.Url, null,
                CheckpointFiles.PathOf(work.OutputDirectory, setup.OutputName, best.Epoch, result.TotalEpochs), kept.Bytes, kept.Sha256), cancellationToken);
        }

        var bestPath = SavedCheckpoint.Verify(work.OutputDirectory, setup.OutputName, best.Epoch, result.TotalEpochs);
        var uploaded = await uploader.UploadAsync(bestPath, outputs.Best.Url, $"best epoch {best.Epoch}", cancellationToken);
        RunLog.Uploaded(logger, best.Epoch, result.Metric, loss, best.Source, uploaded.Bytes, uploaded.Sha256);
        reporter.Report(new AgentEvent
        {
            Kind = EventKinds.Uploaded,
            Epoch = best.Epoch,
            Loss = loss,
            Metric = result.Metric,
            Key = outputs.Best.Key,
            Bytes = uploaded.Bytes,
            Sha256 = uploaded.Sha256,
            FinishedEarly = result.FinishedEarly ? true : null,
        });
    }
}
