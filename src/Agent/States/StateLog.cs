using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.States;

/// <summary>Log messages of saving and restoring training state. URLs are never logged.</summary>
internal static partial class StateLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "No state upload is open for epoch {Epoch}; the next epoch's state will be sent")]
    public static partial void NoUploadOpen(ILogger logger, int epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The state of epoch {Epoch} was not uploaded: {Problem}")]
    public static partial void UploadFailed(ILogger logger, int epoch, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming from this machine's state of epoch {Epoch}")]
    public static partial void ResumingLocal(ILogger logger, int epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming from the saved state of epoch {Epoch}")]
    public static partial void ResumingSaved(ILogger logger, int epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clean start: {Problem}")]
    public static partial void Unusable(ILogger logger, string problem);
}
