using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Running;

/// <summary>Log messages of the run as a whole.</summary>
internal static partial class RunLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Stage {Stage} started")]
    public static partial void StageStarted(ILogger logger, string stage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run failed in stage {Stage}: {Reason}")]
    public static partial void Failed(ILogger logger, string stage, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The receiver could not be reached: {Reason}")]
    public static partial void ReceiverUnreachable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch fresh upload URLs ({Reason}); uploading with the ones from the start")]
    public static partial void KeptOutputs(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The image holds sd-scripts {ImageRef}, but argument names are checked against {ListRef}; rebuild the image or the agent so they match")]
    public static partial void RefMismatch(ILogger logger, string imageRef, string listRef);

    [LoggerMessage(Level = LogLevel.Information, Message = "Best epoch {Epoch} ({Metric} {Loss}, from {Source}) uploaded: {Bytes} bytes, sha256 {Sha256}")]
    public static partial void Uploaded(ILogger logger, int epoch, string metric, double loss, string source, long bytes, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Epoch {Epoch} could not be uploaded while training ({Reason}); it is tried again at the end")]
    public static partial void EarlyUploadFailed(ILogger logger, int epoch, string reason);
}
