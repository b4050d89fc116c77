using LoraTrainer.Agent.Training.Checkpoints;
using LoraTrainer.Agent.Training.TensorBoard;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Training;

/// <summary>The events a training run produces, built in one place for the live run and for <c>replay</c>.</summary>
internal static class TrainingEvents
{
    /// <summary>A <c>progress</c> event for a progress bar redraw.</summary>
    public static AgentEvent Progress(ProgressMoved moved) => new()
    {
        Kind = EventKinds.Progress,
        Percent = moved.Progress.Percent,
        Step = moved.Progress.Step,
        TotalSteps = moved.Progress.TotalSteps,
        Epoch = moved.Epoch,
        TotalEpochs = moved.TotalEpochs,
        Loss = moved.Progress.AverageLoss,
        EtaSeconds = moved.Progress.Remaining is { } eta ? (long)eta.TotalSeconds : null,
    };

    /// <summary>
    /// The <c>epochCompleted</c> event of an epoch that just ended: its losses from the TensorBoard log when they are
    /// there (full precision), else as printed on the console.
    /// </summary>
    public static AgentEvent EpochCompleted(EpochEnded ended, EpochLosses logged, int totalEpochs, string outputName) =>
        EpochCompleted(
            ended.Epoch,
            logged.Training.TryGetValue(ended.Epoch, out var loss) ? loss : ended.ConsoleLoss,
            totalEpochs,
            outputName,
            logged.Validation.TryGetValue(ended.Epoch, out var validation) ? validation : ended.ConsoleValidationLoss);

    /// <summary>An <c>epochCompleted</c> event naming the file sd-scripts writes for the epoch, with its validation loss when it has one.</summary>
    public static AgentEvent EpochCompleted(int epoch, double? loss, int totalEpochs, string outputName, double? validationLoss = null) => new()
    {
        Kind = EventKinds.EpochCompleted,
        Epoch = epoch,
        Loss = ProtocolJson.Finite(loss),
        ValidationLoss = ProtocolJson.Finite(validationLoss),
        File = epoch <= totalEpochs ? CheckpointFiles.FileName(outputName, epoch, totalEpochs) : null,
    };

    /// <summary>An <c>epochUploaded</c> event: the epoch's own file is at <paramref name="key"/>, with the size and SHA-256 it was sent with.</summary>
    public static AgentEvent EpochUploaded(int epoch, string key, long bytes, string sha256) => new()
    {
        Kind = EventKinds.EpochUploaded,
        Epoch = epoch,
        Key = key,
        Bytes = bytes,
        Sha256 = sha256,
    };

    /// <summary>A <c>trainingCompleted</c> event with every epoch's losses, the chosen epoch, its value of <paramref name="metric"/> and the metric.</summary>
    public static AgentEvent TrainingCompleted(IReadOnlyList<EpochLossReading> epochs, EpochLossReading best, string metric = SelectionMetrics.TrainingLoss) => new()
    {
        Kind = EventKinds.TrainingCompleted,
        Epochs = epochs.Where(e => double.IsFinite(e.Loss)).Select(e => new EpochResult { Epoch = e.Epoch, Loss = e.Loss, ValidationLoss = ProtocolJson.Finite(e.ValidationLoss) }).ToList(),
        BestEpoch = best.Epoch,
        Loss = best.LossBy(metric),
        Metric = metric,
    };
}
