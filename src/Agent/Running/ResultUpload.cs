using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Running;

/// <summary>
/// Uploads the result: every epoch that has a target (when the run keeps all epochs) and was not already uploaded
/// while training (<see cref="EpochUploads"/>), then the best epoch, then reports <c>uploaded</c> with the metric that
/// chose it. Before uploading, each file is checked (<see cref="SavedCheckpoint"/>), so a wrong epoch-to-file mapping
/// can never ship the wrong LoRA. A run finished early uploads only the epochs saved before the finish.
/// </summary>
internal sealed class ResultUpload(PresignedUploader uploader, EpochUploads early, EventReporter reporter, WorkLayout work, ILogger<ResultUpload> logger)
{
    /// <summary>Uploads and reports; throws <see cref="StageFailure"/> (stage upload).</summary>
    public async Task UploadAsync(OutputTargets outputs, TrainingSetup setup, TrainingResult result, CancellationToken cancellationToken)
    {
        var done = await early.UploadedAsync();
        foreach (var target in outputs.Epochs.OrderBy(t => t.Epoch))
        {
            if (target.Epoch < 1 || target.Epoch > result.TotalEpochs)
            {
                throw new StageFailure(Stages.Upload, $"outputs.epochs names epoch {target.Epoch}, but the run trained epochs 1 to {result.TotalEpochs}.");
            }

            if (done.Contains(target.Epoch) || (result.FinishedEarly && !SavedCheckpoint.IsWhole(work.OutputDirectory, setup.OutputName, target.Epoch, result.TotalEpochs)))
            {
                continue;
            }

            var path = SavedCheckpoint.Verify(work.OutputDirectory, setup.OutputName, target.Epoch, result.TotalEpochs);
            await uploader.UploadAsync(path, target.Url, $"epoch {target.Epoch}", cancellationToken);
        }

        var best = result.Best;
        var loss = best.LossBy(result.Metric);
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
