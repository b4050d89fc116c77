using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Uploads;

/// <summary>
/// Sends the model files the cache missed to it, in the background while the trainer runs, through the multipart
/// uploads the operator started; reports <c>modelCached</c> per file with its parts (or, on failure, with the reason,
/// so that the operator aborts the upload). A failure never fails the run.
/// </summary>
internal sealed class ModelCacheFills(MultipartUploader uploader, EventReporter reporter, SecretScrubber scrubber, ILogger<ModelCacheFills> logger)
{
    private Task _running = Task.CompletedTask;

    /// <summary>Starts sending <paramref name="files"/>; returns at once.</summary>
    public void Begin(IReadOnlyList<CacheFill> files, CancellationToken cancellationToken)
    {
        if (files.Count > 0)
        {
            _running = Task.Run(() => SendAsync(files, cancellationToken), CancellationToken.None);
        }
    }

    /// <summary>Waits for the files begun to be sent (or to fail), so the instance is not released under them.</summary>
    public Task WaitAsync() => _running;

    private async Task SendAsync(IReadOnlyList<CacheFill> files, CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            try
            {
                var sent = await uploader.UploadAsync(file.Path, file.Upload, $"{file.What} (to the model cache)", cancellationToken);
                reporter.Report(new AgentEvent
                {
                    Kind = EventKinds.ModelCached, Key = file.Upload.Key, UploadId = file.Upload.UploadId, Parts = sent.Parts, Bytes = sent.Bytes, Sha256 = sent.Sha256,
                });
            }
            catch (Exception ex) when (ex is StageFailure or IOException || (ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                var reason = scrubber.Scrub(ex is OperationCanceledException ? "the agent stopped before it was sent" : ex.Message);
                UploadLog.CacheFillFailed(logger, file.What, reason);
                reporter.Report(new AgentEvent { Kind = EventKinds.ModelCached, Key = file.Upload.Key, UploadId = file.Upload.UploadId, Reason = reason });
            }
        }
    }
}
