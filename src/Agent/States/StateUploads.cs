using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.States;

/// <summary>
/// Uploads sd-scripts' training state while training goes on: once the trainer has moved past an epoch whose state it
/// saved, the folder is marked complete, packed into a tar and sent through the multipart upload the operator holds
/// open (<see cref="StatePlan.Upload"/>, fetched fresh each time), then reported as <c>stateSaved</c> for the operator
/// to complete. One upload at a time, in the background; a failure never fails the run, the next epoch's state tries again.
/// Older state folders are deleted once two newer ones are complete and none of them is being packed, so the disk
/// holds two or three states whatever the number of epochs.
/// </summary>
internal sealed class StateUploads(
    MultipartUploader uploader,
    ConfigClient configs,
    EventReporter reporter,
    WorkLayout work,
    SecretScrubber scrubber,
    ILogger<StateUploads> logger)
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _usedUploads = new(StringComparer.Ordinal);
    private readonly HashSet<int> _packing = [];
    private StatePlan? _plan;
    private string _outputName = "";
    private CancellationToken _cancellation;
    private Task _uploads = Task.CompletedTask;

    /// <summary>Starts a training's state uploads (none when <paramref name="plan"/> is null).</summary>
    public void Begin(StatePlan? plan, string outputName, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _plan = plan;
            _outputName = outputName;
            _cancellation = cancellationToken;
        }
    }

    /// <summary>The trainer has moved past <paramref name="epoch"/>: its state folder, if any, is whole. Never blocks.</summary>
    public void Saved(int epoch)
    {
        lock (_gate)
        {
            var folder = StateFolders.PathOf(work.OutputDirectory, _outputName, epoch);
            if (_plan is null || epoch < 1 || !StateFolders.MarkComplete(folder))
            {
                return;
            }

            Prune(epoch);
            if (epoch % Math.Max(1, _plan.EveryNEpochs) == 0)
            {
                _packing.Add(epoch);
                _uploads = UploadAfterAsync(_uploads, epoch, folder);
            }
        }
    }

    // Called under the gate: keeps the newest two complete states and any still to be packed.
    private void Prune(int newest)
    {
        for (var epoch = newest - 2; epoch >= 1; epoch--)
        {
            var folder = StateFolders.PathOf(work.OutputDirectory, _outputName, epoch);
            if (!_packing.Contains(epoch) && Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>Waits for the uploads started so far.</summary>
    public Task CompletedAsync()
    {
        lock (_gate)
        {
            return _uploads;
        }
    }

    private void Packed(int epoch)
    {
        lock (_gate)
        {
            _packing.Remove(epoch);
        }
    }

    private async Task UploadAfterAsync(Task previous, int epoch, string folder)
    {
        await previous;
        var tar = Path.Combine(work.Root, "states", Path.GetFileName(folder) + ".tar");
        try
        {
            var target = (await configs.FetchAsync(_cancellation)).State?.Upload;
            if (target is null || !_usedUploads.Add(target.UploadId))
            {
                // The operator completes a state and opens the next upload after each report; until then, wait for the next epoch.
                StateLog.NoUploadOpen(logger, epoch);
                return;
            }

            await StateFolders.PackAsync(folder, tar, _cancellation);
            Packed(epoch);
            var sent = await uploader.UploadAsync(tar, target, $"state of epoch {epoch}", _cancellation);
            reporter.Report(new AgentEvent
            {
                Kind = EventKinds.StateSaved, Epoch = epoch, Key = target.Key, UploadId = target.UploadId,
                Bytes = sent.Bytes, Sha256 = sent.Sha256, Parts = sent.Parts,
            });
        }
        catch (Exception ex)
        {
            // Never fatal: the run's result does not depend on its state, and the next epoch's state tries again.
            StateLog.UploadFailed(logger, epoch, scrubber.Scrub(ex.Message));
        }
        finally
        {
            Packed(epoch);
            if (Directory.Exists(Path.GetDirectoryName(tar)))
            {
                File.Delete(tar);
                File.Delete(MultipartUploader.JournalOf(tar));
            }
        }
    }
}
