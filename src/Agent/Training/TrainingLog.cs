using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Training;

/// <summary>Log messages of the trainer run.</summary>
internal static partial class TrainingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Starting the trainer: {Program} ({Script})")]
    public static partial void Starting(ILogger logger, string program, string script);

    [LoggerMessage(Level = LogLevel.Information, Message = "trainer: {Line}")]
    public static partial void Line(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "trainer: {Line}")]
    public static partial void ProgressLine(ILogger logger, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the trainer: {Reason}")]
    public static partial void Aborting(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer exited with code {ExitCode}")]
    public static partial void Exited(ILogger logger, int exitCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Epoch {Epoch} ended, mean loss {Loss}, validation loss {ValidationLoss} ({Source})")]
    public static partial void EpochEnded(ILogger logger, int epoch, double? loss, double? validationLoss, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Epoch {Epoch} chosen by {Metric} {Loss}")]
    public static partial void EpochChosen(ILogger logger, int epoch, string metric, double loss);

    [LoggerMessage(Level = LogLevel.Information, Message = "Finished early with {Saved} epoch(s) saved; epoch {Epoch} chosen by {Metric} {Loss}")]
    public static partial void FinishedEarly(ILogger logger, int saved, int epoch, string metric, double loss);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run holds out a validation split, but no epoch has a validation loss (too few images to split off any?); the epoch is chosen by training loss")]
    public static partial void NoValidationLoss(ILogger logger);
}
