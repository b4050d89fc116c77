using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Running;

/// <summary>
/// Uploads the result: every epoch that has a target (when the run keeps all epochs), then the best epoch, then
/// reports <c>uploaded</c>. Before uploading, each file's recorded <c>ss_epoch</c> is checked against the epoch it is
/// uploaded as, so a wrong epoch-to-file mapping can never ship the wrong LoRA.
/// </summary>
internal sealed class ResultUpload(PresignedUploader uploader, EventReporter reporter, WorkLayout work, ILogger<ResultUpload> logger)
{
    /// <summary>Uploads and reports; throws <see cref="StageFailure"/> (stage upload).</summary>
    public async Task UploadAsync(OutputTargets outputs, TrainingSetup setup, TrainingResult result, CancellationToken cancellationToken)
    {
        foreach (var target in outputs.Epochs.OrderBy(t => t.Epoch))
        {
            if (target.Epoch < 1 || target.Epoch > result.TotalEpochs)
            {
                throw new StageFailure(Stages.Upload, $"outputs.epochs names epoch {target.Epoch}, but the run trained epochs 1 to {result.TotalEpochs}.");
            }

            var path = CheckedFile(setup.OutputName, target.Epoch, result.TotalEpochs);
            await uploader.UploadAsync(path, target.Url, $"epoch {target.Epoch}", cancellationToken);
        }

        var best = result.Best;
        var bestPath = CheckedFile(setup.OutputName, best.Epoch, result.TotalEpochs);
        var uploaded = await uploader.UploadAsync(bestPath, outputs.Best.Url, $"best epoch {best.Epoch}", cancellationToken);
        RunLog.Uploaded(logger, best.Epoch, best.Loss, best.Source, uploaded.Bytes, uploaded.Sha256);
        reporter.Report(new AgentEvent
        {
            Kind = EventKinds.Uploaded,
            Epoch = best.Epoch,
            Loss = best.Loss,
            Key = outputs.Best.Key,
            Bytes = uploaded.Bytes,
            Sha256 = uploaded.Sha256,
        });
    }

    private string CheckedFile(string outputName, int epoch, int totalEpochs)
    {
        var path = CheckpointFiles.PathOf(work.OutputDirectory, outputName, epoch, totalEpochs);
        if (!File.Exists(path))
        {
            throw new StageFailure(Stages.Upload, $"The file of epoch {epoch} ({Path.GetFileName(path)}) is missing from the output folder.");
        }

        int? recorded;
        try
        {
            recorded = SafetensorsHeader.Epoch(SafetensorsHeader.ReadMetadata(path));
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
        {
            throw new StageFailure(Stages.Upload, $"{Path.GetFileName(path)} is not a readable safetensors file: {ex.Message}", ex);
        }

        if (recorded is { } found && found != epoch)
        {
            throw new StageFailure(Stages.Upload, $"{Path.GetFileName(path)} records ss_epoch {found}, not epoch {epoch}; nothing was uploaded as the wrong epoch.");
        }

        return path;
    }
}
