using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Training.Output;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Training.Samples;

/// <summary>
/// Uploads each sampled epoch's images as soon as sd-scripts has rendered them, one epoch at a time in the background
/// while training goes on, through the presigned PUTs the operator issued for that epoch and prompt (retried by
/// <see cref="PresignedUploader"/>), then reports <c>samplesUploaded</c>. An image that is missing, not a PNG or not
/// uploaded is reported with its error: samples never fail the run.
/// </summary>
internal sealed class SampleUploads(PresignedUploader uploader, EventReporter reporter, WorkLayout work, ILogger<SampleUploads> logger)
{
    private readonly Lock _gate = new();
    private readonly HashSet<int> _queued = [];
    private IReadOnlyList<SampleUploadTarget> _targets = [];
    private int _prompts;
    private string _outputName = "";
    private CancellationToken _cancellation;
    private Task _uploads = Task.CompletedTask;
    private SampleClock _clock = new([]);

    /// <summary>Starts a training's sample uploads; nothing happens when <paramref name="plan"/> is null.</summary>
    public void Begin(SamplePlan? plan, IReadOnlyList<SampleUploadTarget> targets, string outputName, int totalEpochs, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _clock = new SampleClock(plan?.SampledEpochs(totalEpochs) ?? []);
            _prompts = plan?.Prompts.Count ?? 0;
            _targets = targets;
            _outputName = outputName;
            _cancellation = cancellationToken;
            _queued.Clear();
        }
    }

    /// <summary>
    /// Follows the trainer: times its sampling rounds, and once it has moved past an epoch's round (the next epoch
    /// starts, or the model is saved after the last) uploads that round's images.
    /// </summary>
    public void Observe(TrainerSignal signal, DateTimeOffset now)
    {
        _clock.Observe(signal, now);
        switch (signal)
        {
            case EpochStarted started:
                Rendered(started.Epoch - 1);
                break;
            case ModelSaved:
                foreach (var epoch in _targets.Select(t => t.Epoch).Distinct().Order())
                {
                    Rendered(epoch);
                }

                break;
        }
    }

    /// <summary>The seconds the sampling rounds still to come will take, to add to the training ETA while <paramref name="currentEpoch"/> trains.</summary>
    public long RemainingSamplingSeconds(int currentEpoch) => _clock.RemainingSeconds(currentEpoch);

    /// <summary>sd-scripts has moved past <paramref name="epoch"/>'s sampling: uploads its images in the background when it was sampled. Never blocks.</summary>
    public void Rendered(int epoch)
    {
        lock (_gate)
        {
            var targets = _targets.Where(t => t.Epoch == epoch).ToList();
            if (_prompts == 0 || targets.Count == 0 || !_queued.Add(epoch))
            {
                return;
            }

            _uploads = UploadAfterAsync(_uploads, epoch, targets);
        }
    }

    /// <summary>Waits for every upload started so far.</summary>
    public Task CompletedAsync()
    {
        lock (_gate)
        {
            return _uploads;
        }
    }

    private async Task UploadAfterAsync(Task previous, int epoch, IReadOnlyList<SampleUploadTarget> targets)
    {
        await previous;
        var images = new List<SampleImage>();
        for (var prompt = 0; prompt < _prompts; prompt++)
        {
            images.Add(await UploadAsync(epoch, prompt, targets.LastOrDefault(t => t.Prompt == prompt)));
        }

        reporter.Report(new AgentEvent { Kind = EventKinds.SamplesUploaded, Epoch = epoch, SampleImages = images });
    }

    private async Task<SampleImage> UploadAsync(int epoch, int prompt, SampleUploadTarget? target)
    {
        var path = SampleFiles.Find(work.OutputDirectory, _outputName, epoch, prompt);
        var problem = target is null ? "no upload target was issued for it"
            : path is null ? "sd-scripts did not render it"
            : SampleFiles.PngProblem(path);
        if (problem is null)
        {
            try
            {
                var uploaded = await uploader.UploadAsync(path!, target!.Url, $"sample {prompt} of epoch {epoch}", _cancellation);
                return new SampleImage { Prompt = prompt, Key = target.Key, Bytes = uploaded.Bytes, Sha256 = uploaded.Sha256 };
            }
            catch (Exception ex) when (ex is StageFailure or IOException or OperationCanceledException)
            {
                problem = ex is OperationCanceledException ? "the upload was stopped" : ex.Message;
            }
        }

        SampleLog.Failed(logger, epoch, prompt, problem);
        return new SampleImage { Prompt = prompt, Error = problem };
    }
}
