using System.Globalization;
using System.Text.RegularExpressions;
using LoraTrainer.Agent.Training.Output;

namespace LoraTrainer.Agent.Training;

/// <summary>What a signal changed, for the caller to report.</summary>
internal abstract record TrainingUpdate;

/// <summary>The progress bar moved.</summary>
internal sealed record ProgressMoved(StepProgress Progress, int Epoch, int? TotalEpochs) : TrainingUpdate;

/// <summary>
/// An epoch ended; <paramref name="ConsoleLoss"/> is the last <c>avr_loss</c> of that epoch, its mean, and
/// <paramref name="ConsoleValidationLoss"/> the last <c>val_epoch_avg_loss</c> of its validation pass, when it had one.
/// </summary>
internal sealed record EpochEnded(int Epoch, double? ConsoleLoss, double? ConsoleValidationLoss = null) : TrainingUpdate;

/// <summary>The run cannot succeed and the trainer must be stopped now (it would go on burning GPU time).</summary>
internal sealed record AbortRequired(TrainerFailure Failure) : TrainingUpdate;

/// <summary>
/// Follows the trainer's signals: epochs, the per-epoch mean loss as printed, checkpoints, and failures.
/// The last <c>avr_loss</c> before an epoch ends is that epoch's mean (sd-scripts averages over one epoch's window);
/// an epoch ends at its <c>saving checkpoint:</c> line, the next <c>epoch N/M</c> line, or <c>model saved.</c>.
/// An epoch's validation pass runs between its <c>epoch N/M</c> line and the next one, so the last
/// <c>val_epoch_avg_loss</c> printed while epoch N is current is epoch N's mean validation loss, whether it comes
/// before or after the epoch's checkpoint line; a pass that comes after it reports the epoch again with it.
/// </summary>
internal sealed partial class TrainingMonitor
{
    private readonly Dictionary<int, double> _consoleLoss = [];
    private readonly Dictionary<int, double> _consoleValidationLoss = [];
    private readonly Dictionary<int, double?> _endedWithValidation = [];
    private readonly List<string> _checkpoints = [];
    private double? _lastAverageLoss;

    /// <summary>Epochs announced by the trainer.</summary>
    public int? TotalEpochs { get; private set; }

    /// <summary>Steps announced by the trainer.</summary>
    public long? TotalSteps { get; private set; }

    /// <summary>The epoch being trained (0 before the first).</summary>
    public int CurrentEpoch { get; private set; }

    /// <summary>Per-epoch mean loss as printed (3 significant digits).</summary>
    public IReadOnlyDictionary<int, double> ConsoleEpochLoss => _consoleLoss;

    /// <summary>Per-epoch mean validation loss as printed (3 significant digits), for the epochs that were validated.</summary>
    public IReadOnlyDictionary<int, double> ConsoleValidationLoss => _consoleValidationLoss;

    /// <summary>Checkpoint paths announced, in order.</summary>
    public IReadOnlyList<string> Checkpoints => _checkpoints;

    /// <summary>True once <c>model saved.</c> was printed.</summary>
    public bool ModelSaved { get; private set; }

    /// <summary>The failure seen, the most specific one when several were.</summary>
    public FailureSeen? Failure { get; private set; }

    /// <summary>Applies one signal.</summary>
    public IReadOnlyList<TrainingUpdate> Observe(TrainerSignal signal)
    {
        switch (signal)
        {
            case EpochCountAnnounced epochs:
                TotalEpochs = epochs.Epochs;
                return [];
            case TotalStepsAnnounced steps:
                TotalSteps = steps.Steps;
                return [];
            case StepProgress progress:
                return OnProgress(progress);
            case EpochValidationProgress { AverageLoss: { } validation } when CurrentEpoch >= 1:
                _consoleValidationLoss[CurrentEpoch] = validation;
                return [];
            case EpochStarted started:
                TotalEpochs ??= started.TotalEpochs;
                // A resumed trainer's first line is the epoch after its saved state: the epoch before ran in an earlier process.
                var ended = CurrentEpoch == 0 && started.Epoch > 1 ? [] : EndEpoch(started.Epoch - 1);
                CurrentEpoch = started.Epoch;
                return ended;
            case CheckpointSaving saving:
                _checkpoints.Add(saving.Path);
                return EndEpoch(EpochOfCheckpoint(saving.Path) ?? CurrentEpoch);
            case Output.ModelSaved:
                ModelSaved = true;
                return EndEpoch(TotalEpochs ?? CurrentEpoch);
            case FailureSeen failure:
                // "returned non-zero exit status" follows the real cause; keep the cause.
                if (Failure is null || Failure.Failure == TrainerFailure.NonZeroExit)
                {
                    Failure = failure;
                }

                return [];
            default:
                return [];
        }
    }

    private IReadOnlyList<TrainingUpdate> OnProgress(StepProgress progress)
    {
        TotalSteps ??= progress.TotalSteps;
        if (progress.AverageLoss is { } loss && double.IsNaN(loss))
        {
            // One NaN poisons sd-scripts' moving average for the rest of the run: stop now.
            Failure ??= new FailureSeen(TrainerFailure.NanLoss, "avr_loss=nan");
            return [new AbortRequired(TrainerFailure.NanLoss)];
        }

        if (progress.AverageLoss is not null)
        {
            _lastAverageLoss = progress.AverageLoss;
        }

        return [new ProgressMoved(progress, Math.Max(CurrentEpoch, 1), TotalEpochs)];
    }

    private IReadOnlyList<TrainingUpdate> EndEpoch(int epoch)
    {
        if (epoch < 1)
        {
            return [];
        }

        // Only this epoch's own pass counts: with validate_every_n_epochs, the next epoch may have none.
        double? validation = _consoleValidationLoss.TryGetValue(epoch, out var validated) ? validated : null;
        if (_endedWithValidation.TryGetValue(epoch, out var reported))
        {
            // Ended at its checkpoint before its validation pass printed: report it again, now with that loss.
            _endedWithValidation[epoch] = validation;
            return Equals(validation, reported) ? [] : [new EpochEnded(epoch, _consoleLoss.TryGetValue(epoch, out var ended) ? ended : null, validation)];
        }

        var loss = _lastAverageLoss;
        if (loss is not null)
        {
            _consoleLoss[epoch] = loss.Value;
        }

        _endedWithValidation[epoch] = validation;
        return [new EpochEnded(epoch, loss, validation)];
    }

    /// <summary>The epoch a checkpoint path names (<c>NAME-000003.safetensors</c> → 3); null for the final file.</summary>
    public static int? EpochOfCheckpoint(string path)
    {
        var match = EpochSuffix().Match(Path.GetFileName(path));
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"-(\d{6})\.[A-Za-z]+$")]
    private static partial Regex EpochSuffix();
}
