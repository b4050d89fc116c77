using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Running;

/// <summary>
/// When the run keeps every epoch (<c>outputs.epochs</c>), uploads each epoch's file as soon as the trainer has
/// finished saving it, one at a time in the background while training goes on, so a trainer that crashes later
/// never takes the finished epochs with it, and reports each one's size and SHA-256 (<c>epochUploaded</c>). An epoch
/// whose early upload fails is not lost either: the final upload (<see cref="ResultUpload"/>) sends every epoch not
/// uploaded here, with fresh URLs.
/// </summary>
internal sealed class EpochUploads(PresignedUploader uploader, EventReporter reporter, WorkLayout work, ILogger<EpochUploads> logger)
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _queued = [];
    private readonly HashSet<int> _uploaded = [];
    private Dictionary<int, EpochUploadTarget> _targets = [];
    private string _outputName = "";
    private CancellationToken _cancellation;
    private Task _uploads = Task.CompletedTask;

    /// <summary>Starts a training's early uploads to <paramref name="targets"/> (none when only the best epoch is kept).</summary>
    public void Begin(IReadOnlyList<EpochUploadTarget> targets, string outputName, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _targets = targets.GroupBy(t => t.Epoch).ToDictionary(g => g.Key, g => g.Last());
            _outputName = outputName;
            _cancellation = cancellationToken;
            _queued.Clear();
            _uploaded.Clear();
        }
    }

    /// <summary>The trainer has finished writing <paramref name="epoch"/>'s file: uploads it in the background when it has a target. Never blocks.</summary>
    public void Saved(int epoch, int totalEpochs)
    {
        lock (_gate)
        {
            if (epoch < 1 || epoch > totalEpochs || !_targets.TryGetValue(epoch, out var target) || !_queued.Add(epoch))
            {
                return;
            }

            _uploads = UploadAfterAsync(_uploads, target, totalEpochs);
        }
    }

    /// <summary>
    /// After the trainer has failed: uploads the saved epochs up to <paramref name="throughEpoch"/> (never the final
    /// one, which a failed run did not finish) not yet sent, since the trainer may have died right after saving one,
    /// then waits for every upload. A file cut short by the crash fails its check and is not uploaded.
    /// </summary>
    /// <returns>The epochs uploaded.</returns>
    public async Task<IReadOnlySet<int>> SaveFinishedAsync(int throughEpoch, int totalEpochs)
    {
        for (var epoch = 1; epoch <= Math.Min(throughEpoch, totalEpochs - 1); epoch++)
        {
            if (File.Exists(CheckpointFiles.PathOf(work.OutputDirectory, _outputName, epoch, totalEpochs)))
            {
                Saved(epoch, totalEpochs);
            }
        }

        return await UploadedAsync();
    }

    /// <summary>Waits for the uploads started so far; returns the epochs uploaded.</summary>
    public async Task<IReadOnlySet<int>> UploadedAsync()
    {
        Task uploads;
        lock (_gate)
        {
            uploads = _uploads;
        }

        await uploads;
        lock (_gate)
        {
            return _uploaded.ToHashSet();
        }
    }

    private async Task UploadAfterAsync(Task previous, EpochUploadTarget target, int totalEpochs)
    {
        await previous;
        try
        {
            var path = SavedCheckpoint.Verify(work.OutputDirectory, _outputName, target.Epoch, totalEpochs);
            var uploaded = await uploader.UploadAsync(path, target.Url, $"epoch {target.Epoch}", _cancellation);
            reporter.Report(TrainingEvents.EpochUploaded(target.Epoch, target.Key, uploaded.Bytes, uploaded.Sha256));
            lock (_gate)
            {
                _uploaded.Add(target.Epoch);
            }
        }
        catch (Exception ex) when (ex is StageFailure or OperationCanceledException or IOException)
        {
            // Not fatal here: the final upload tries this epoch again with a fresh URL, and fails the run if it must.
            RunLog.EarlyUploadFailed(logger, target.Epoch, ex.Message);
        }
    }
}
