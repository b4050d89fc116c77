using System.Globalization;
using LoraTrainer.Api;

namespace LoraTrainer.Demo;

/// <summary>
/// Tells the story of one run from the states it passes through: a line per phase, in the words <c>status.phase</c>
/// and kubectl use, and the training's progress — a bar redrawn in place on a terminal, a line per epoch elsewhere.
/// </summary>
internal sealed class RunNarrator(TextWriter output, bool terminal, TimeProvider time)
{
    private string _lastProgress = "";
    private bool _barDrawn;

    /// <summary>The phase last shown; null before the run has a status.</summary>
    public TrainingPhase? Phase { get; private set; }

    /// <summary>Shows what changed between the state last shown and <paramref name="status"/>.</summary>
    public void Show(TrainingRunStatus status)
    {
        if (status.Phase != Phase)
        {
            EndBar();
            Phase = status.Phase;
            output.WriteLine(Invariant($"[{time.GetLocalNow():HH:mm:ss}] phase {status.Phase.ToWireName()}{Detail(status)}"));
        }

        if (status.Phase == TrainingPhase.Training && status.Progress is { } progress)
        {
            ShowProgress(progress);
        }
    }

    /// <summary>Ends a bar drawn in place, so what follows starts on a line of its own.</summary>
    public void EndBar()
    {
        if (_barDrawn)
        {
            output.WriteLine();
            _barDrawn = false;
        }
    }

    private void ShowProgress(ProgressStatus progress)
    {
        if (terminal)
        {
            var bar = Bar(progress);
            if (bar != _lastProgress)
            {
                output.Write("\r" + bar);
                _lastProgress = bar;
                _barDrawn = true;
            }

            return;
        }

        // A log file gets a line when an epoch starts and when training is done, not one per redraw.
        var step = Invariant($"{progress.Epoch}/{progress.TotalEpochs}{(progress.Percent >= 100 ? " done" : "")}");
        if (step != _lastProgress)
        {
            output.WriteLine(Bar(progress));
            _lastProgress = step;
        }
    }

    private static string Detail(TrainingRunStatus status) => status.Phase switch
    {
        TrainingPhase.PendingGpu when status.Gpu is { } gpu => Invariant($": rented {gpu.GpuName} on machine {gpu.MachineId} at ${gpu.PricePerHour:0.00}/h (instance {gpu.InstanceId})"),
        TrainingPhase.Pending => ": zipping the images, resolving the model, looking for a GPU",
        TrainingPhase.PendingImages => $": {status.Gpu?.GpuName ?? "the GPU"} is up; downloading the images",
        TrainingPhase.PendingModel => ": downloading the base model",
        TrainingPhase.Completed => ": the best epoch is verified in S3",
        _ => status.Message is { Length: > 0 } message ? $": {message}" : "",
    };

    private static string Bar(ProgressStatus progress)
    {
        var filled = Math.Clamp(progress.Percent / 5, 0, 20);
        var loss = progress.Loss is { } value ? Invariant($"  loss {value:0.0000}") : "";
        return Invariant($"  [{new string('#', filled)}{new string('.', 20 - filled)}] {progress.Percent,3}%  epoch {progress.Epoch}/{progress.TotalEpochs}{loss}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
