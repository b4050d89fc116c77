using Microsoft.Extensions.Logging;

namespace LoraTrainer.Webhook;

/// <summary>Log messages of the receiver. Tokens, signatures, bodies and URLs are never logged.</summary>
internal static partial class ReceiverLog
{
    [LoggerMessage(1, LogLevel.Information, "TrainingRun {Run}: {Kind} seq {Seq} moved the run to {Phase}")]
    public static partial void PhaseChanged(ILogger logger, string run, string kind, long seq, string phase);

    [LoggerMessage(2, LogLevel.Debug, "TrainingRun {Run}: {Kind} seq {Seq} ignored")]
    public static partial void Ignored(ILogger logger, string run, string kind, long seq);

    [LoggerMessage(3, LogLevel.Warning, "TrainingRun {Run}: refused a request ({Reason})")]
    public static partial void Refused(ILogger logger, string run, string reason);

    [LoggerMessage(4, LogLevel.Warning, "TrainingRun {Run}: writing coalesced progress failed: {Error}")]
    public static partial void FlushFailed(ILogger logger, string run, string error);

    [LoggerMessage(5, LogLevel.Error, "TrainingRun {Run}: applying {Kind} failed: {Error}")]
    public static partial void ApplyFailed(ILogger logger, string run, string kind, string error);

    [LoggerMessage(6, LogLevel.Error, "TrainingRun {Run}: reading its Secret for the config failed: {Error}")]
    public static partial void ConfigFailed(ILogger logger, string run, string error);
}
