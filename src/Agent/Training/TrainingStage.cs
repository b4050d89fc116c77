using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.States;
using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Training.Output;
using LoraTrainer.Agent.Training.Samples;
using LoraTrainer.Agent.Training.TensorBoard;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Training;

/// <summary>What the trainer needs to start.</summary>
/// <param name="Argv">The command, expanded.</param>
/// <param name="OutputName">The LoRA files' base name.</param>
/// <param name="Epochs">The epochs asked for (the trainer's own count wins when it prints one).</param>
/// <param name="Validates">True when the arguments hold out a validation split: the epoch is then chosen by validation loss.</param>
/// <param name="EpochTargets">Where each epoch is uploaded as soon as it is saved, when the run keeps every epoch.</param>
/// <param name="Earlier">The epochs earlier attempts trained and kept in the bucket, when training continues from their saved state.</param>
internal sealed record TrainingSetup(
    IReadOnlyList<string> Argv, string OutputName, int Epochs, bool Validates = false, IReadOnlyList<EpochUploadTarget>? EpochTargets = null, IReadOnlyList<EpochDownload>? Earlier = null);

/// <summary>A finished, successful training.</summary>
/// <param name="TotalEpochs">Epochs trained.</param>
/// <param name="Epochs">Per-epoch mean losses.</param>
/// <param name="Best">The chosen epoch.</param>
/// <param name="Metric">The loss that chose it, one of <see cref="SelectionMetrics"/>.</param>
/// <param name="Earlier">The epochs taken from earlier attempts (not trained here): their files are in the bucket, not on this machine.</param>
/// <param name="FinishedEarly">True when training was stopped for <see cref="RunFinish"/>: <paramref name="Epochs"/> are those saved by then.</param>
internal sealed record TrainingResult(int TotalEpochs, IReadOnlyList<EpochLossReading> Epochs, EpochLossReading Best, string Metric = SelectionMetrics.TrainingLoss,
    IReadOnlyList<EpochDownload>? Earlier = null, bool FinishedEarly = false);

/// <summary>
/// Runs the trainer and reports it: throttled <c>progress</c>, <c>epochCompleted</c> per epoch, and
/// <c>trainingCompleted</c> with the per-epoch losses, the best epoch and the metric that chose it. A NaN loss stops
/// the trainer at once. With every epoch kept, each epoch's file is uploaded as soon as the trainer moves past it,
/// and after a failure the epochs already saved are still uploaded before the failure is reported. Asked to finish
/// early (<see cref="RunFinish"/>), it stops the trainer and chooses among the epochs whose files are whole, by the same
/// rule as at a normal end.
/// </summary>
internal sealed class TrainingStage(
    TrainerProcess trainer,
    EventReporter reporter,
    EpochUploads epochUploads,
    SampleUploads samples,
    StateUploads states,
    RunFinish finish,
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
        epochUploads.Begin(setup.EpochTargets ?? [], setup.OutputName, cancellationToken);
        var exit = await trainer.RunAsync(setup.Argv, work.Root, options.Value.LogTailLines,
            signal => Observe(signal, monitor, throttle, setup), cancellationToken, finish.Token);

        // Sample uploads never fail the run; they are waited for so that their reports go before the result's.
        await samples.CompletedAsync();
        await states.CompletedAsync();
        var totalEpochs = monitor.TotalEpochs ?? setup.Epochs;
        var finalFile = CheckpointFiles.PathOf(work.OutputDirectory, setup.OutputName, totalEpochs, totalEpochs);
        var failure = TrainingVerdict.Failure(exit.ExitCode, monitor, File.Exists(finalFile), Path.GetFileName(finalFile));
        if (failure is not null && finish.IsRequested)
        {
            // A finish that comes after the trainer succeeded changes nothing; before, the epochs saved so far are the result.
            return FinishEarly(setup, monitor, totalEpochs, exit);
        }

        if (failure is not null)
        {
            await epochUploads.SaveFinishedAsync(monitor.CurrentEpoch, totalEpochs);
            throw new StageFailure(Stages.Training, failure, logTail: exit.LogTail);
        }

        var trained = BestEpoch.Merge(totalEpochs, EpochLossLog.ReadAll(work.LoggingDirectory), monitor.ConsoleEpochLoss, monitor.ConsoleValidationLoss);
        var (epochs, earlier) = BestEpoch.WithEarlier(trained, setup.Earlier ?? []);
        var choice = BestEpoch.Choose(epochs, setup.Validates) ?? throw new StageFailure(Stages.Training,
            "Training finished but no epoch has a usable loss (none was logged or printed), so no epoch can be chosen.", logTail: exit.LogTail);
        if (setup.Validates && choice.Metric != SelectionMetrics.ValidationLoss)
        {
            TrainingLog.NoValidationLoss(logger);
        }

        TrainingLog.EpochChosen(logger, choice.Epoch.Epoch, choice.Metric, choice.Loss);
        reporter.Report(TrainingEvents.TrainingCompleted(epochs, choice.Epoch, choice.Metric));
        return new TrainingResult(totalEpochs, epochs, choice.Epoch, choice.Metric, earlier);
    }

    private TrainingResult FinishEarly(TrainingSetup setup, TrainingMonitor monitor, int totalEpochs, TrainerExit exit)
    {
        // The trainer announces a checkpoint before writing it and was killed: only a whole file of its epoch counts.
        // Epochs an earlier attempt kept count too: their files are whole in the bucket.
        var whole = BestEpoch.Merge(totalEpochs, EpochLossLog.ReadAll(work.LoggingDirectory), monitor.ConsoleEpochLoss, monitor.ConsoleValidationLoss)
            .Where(e => SavedCheckpoint.IsWhole(work.OutputDirectory, setup.OutputName, e.Epoch, totalEpochs))
            .ToList();
        var (saved, earlier) = BestEpoch.WithEarlier(whole, setup.Earlier ?? []);
        var choice = BestEpoch.Choose(saved, setup.Validates) ?? throw new StageFailure(Stages.Finish,
            "The run was finished early (spec.finish: now) before any epoch was saved; there is nothing to keep.", logTail: exit.LogTail);
        TrainingLog.FinishedEarly(logger, saved.Count, choice.Epoch.Epoch, choice.Metric, choice.Loss);
        reporter.Report(TrainingEvents.TrainingCompleted(saved, choice.Epoch, choice.Metric) with { FinishedEarly = true });
        return new TrainingResult(totalEpochs, saved, choice.Epoch, choice.Metric, earlier, FinishedEarly: true);
    }

    private bool Observe(TrainerSignal signal, TrainingMonitor monitor, ProgressThrottle throttle, TrainingSetup setup)
    {
        var abort = false;
        var updates = monitor.Observe(signal);
        samples.Observe(signal, time.GetUtcNow());
        foreach (var update in updates)
        {
            switch (update)
            {
                case ProgressMoved moved when throttle.ShouldSend(moved.Progress.Percent, time.GetUtcNow()):
                    var progress = TrainingEvents.Progress(moved);
                    reporter.Report(progress with { EtaSeconds = progress.EtaSeconds + samples.RemainingSamplingSeconds(moved.Epoch) });
                    break;
                case EpochEnded ended:
                    ReportEpoch(ended, monitor.TotalEpochs ?? setup.Epochs, setup.OutputName);
                    break;
                case AbortRequired:
                    abort = true;
                    break;
            }
        }

        // "epoch N/M" is printed once epoch N-1's checkpoint is written, so that file is complete now.
        if (signal is EpochStarted started)
        {
            epochUploads.Saved(started.Epoch - 1, monitor.TotalEpochs ?? setup.Epochs);
            states.Saved(started.Epoch - 1);
        }

        return abort;
    }

    private void ReportEpoch(EpochEnded ended, int totalEpochs, string outputName)
    {
        // TensorBoard flushes on its own schedule, so its values may not be there yet; the console values are the fallback.
        var logged = EpochLossLog.ReadAll(work.LoggingDirectory);
        var completed = TrainingEvents.EpochCompleted(ended, logged, totalEpochs, outputName);
        TrainingLog.EpochEnded(logger, ended.Epoch, completed.Loss, completed.ValidationLoss,
            logged.Training.ContainsKey(ended.Epoch) ? LossSources.TensorBoard : LossSources.Console);
        reporter.Report(completed);
    }
}
