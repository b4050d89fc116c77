using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Training.Output;
using LoraTrainer.Agent.Training.TensorBoard;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Training;

/// <summary>What the trainer needs to start.</summary>
/// <param name="Argv">The command, expanded.</param>
/// <param name="OutputName">The LoRA files' base name.</param>
/// <param name="Epochs">The epochs asked for (the trainer's own count wins when it prints one).</param>
internal sealed record TrainingSetup(IReadOnlyList<string> Argv, string OutputName, int Epochs);

/// <summary>A finished, successful training.</summary>
/// <param name="TotalEpochs">Epochs trained.</param>
/// <param name="Epochs">Per-epoch mean losses.</param>
/// <param name="Best">The chosen epoch.</param>
internal sealed record TrainingResult(int TotalEpochs, IReadOnlyList<EpochLoss> Epochs, EpochLoss Best);

/// <summary>
/// Runs the trainer and reports it: throttled <c>progress</c>, <c>epochCompleted</c> per epoch, and
/// <c>trainingCompleted</c> with the per-epoch losses and the best epoch. A NaN loss stops the trainer at once.
/// </summary>
internal sealed class TrainingStage(
    TrainerProcess trainer,
    EventReporter reporter,
    WorkLayout work,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<TrainingStage> logger)
{
    /// <summary>Trains; throws <see cref="StageFailure"/> (stage training, with the log tail) when it fails.</summary>
    public async Task<TrainingResult> RunAsync(TrainingSetup setup, ReportingPolicy policy, CancellationToken cancellationToken)
    {
        var monitor = new TrainingMonitor();
        var throttle = new ProgressThrottle(policy);
        var exit = await trainer.RunAsync(setup.Argv, work.Root, options.Value.LogTailLines,
            signal => Observe(signal, monitor, throttle, setup), cancellationToken);

        var totalEpochs = monitor.TotalEpochs ?? setup.Epochs;
        var finalFile = CheckpointFiles.PathOf(work.OutputDirectory, setup.OutputName, totalEpochs, totalEpochs);
        if (TrainingVerdict.Failure(exit.ExitCode, monitor, File.Exists(finalFile), Path.GetFileName(finalFile)) is { } failure)
        {
            throw new StageFailure(Stages.Training, failure, logTail: exit.LogTail);
        }

        var epochs = BestEpoch.Merge(totalEpochs, EpochLossLog.Read(work.LoggingDirectory), monitor.ConsoleEpochLoss);
        var best = BestEpoch.Select(epochs) ?? throw new StageFailure(Stages.Training,
            "Training finished but no epoch has a usable loss (none was logged or printed), so no epoch can be chosen.", logTail: exit.LogTail);

        reporter.Report(TrainingEvents.TrainingCompleted(epochs, best));
        return new TrainingResult(totalEpochs, epochs, best);
    }

    private bool Observe(TrainerSignal signal, TrainingMonitor monitor, ProgressThrottle throttle, TrainingSetup setup)
    {
        var abort = false;
        foreach (var update in monitor.Observe(signal))
        {
            switch (update)
            {
                case ProgressMoved moved when throttle.ShouldSend(moved.Progress.Percent, time.GetUtcNow()):
                    reporter.Report(TrainingEvents.Progress(moved));
                    break;
                case EpochEnded ended:
                    ReportEpoch(ended, monitor.TotalEpochs ?? setup.Epochs, setup.OutputName);
                    break;
                case AbortRequired:
                    abort = true;
                    break;
            }
        }

        return abort;
    }

    private void ReportEpoch(EpochEnded ended, int totalEpochs, string outputName)
    {
        // TensorBoard flushes on its own schedule, so its value may not be there yet; the console value is the fallback.
        var logged = EpochLossLog.Read(work.LoggingDirectory);
        var (loss, source) = logged.TryGetValue(ended.Epoch, out var full) ? (full, LossSources.TensorBoard) : (ended.ConsoleLoss, LossSources.Console);
        TrainingLog.EpochEnded(logger, ended.Epoch, loss, source);
        reporter.Report(TrainingEvents.EpochCompleted(ended.Epoch, loss, totalEpochs, outputName));
    }
}
