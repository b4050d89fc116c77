using LoraTrainer.Agent.Training.Checkpoints;
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

    /// <summary>An <c>epochCompleted</c> event naming the file sd-scripts writes for the epoch.</summary>
    public static AgentEvent EpochCompleted(int epoch, double? loss, int totalEpochs, string outputName) => new()
    {
        Kind = EventKinds.EpochCompleted,
        Epoch = epoch,
        Loss = loss is { } l && double.IsFinite(l) ? l : null,
        File = epoch <= totalEpochs ? CheckpointFiles.FileName(outputName, epoch, totalEpochs) : null,
    };

    /// <summary>A <c>trainingCompleted</c> event with every epoch's mean loss and the chosen epoch.</summary>
    public static AgentEvent TrainingCompleted(IReadOnlyList<EpochLoss> epochs, EpochLoss best) => new()
    {
        Kind = EventKinds.TrainingCompleted,
        Epochs = epochs.Where(e => double.IsFinite(e.Loss)).Select(e => new EpochResult { Epoch = e.Epoch, Loss = e.Loss }).ToList(),
        BestEpoch = best.Epoch,
        Loss = best.Loss,
    };
}
