using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Reporting;

/// <summary>Log messages of the receiver conversation. URLs and tokens are never logged.</summary>
internal static partial class ReportingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Event {Seq} {Kind} delivered (accepted: {Accepted})")]
    public static partial void EventDelivered(ILogger logger, long seq, string kind, bool accepted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {Seq} {Kind} not delivered ({Problem}); retry {Attempt} in a moment")]
    public static partial void EventRetry(ILogger logger, long seq, string kind, string problem, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Seq} {Kind} refused by the receiver with {Status}; dropped, it can never be accepted")]
    public static partial void EventDropped(ILogger logger, long seq, string kind, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {Seq} {Kind} too large for the receiver; sending it without its log tail")]
    public static partial void EventTooLarge(ILogger logger, long seq, string kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} event(s) could not be delivered within {Timeout}")]
    public static partial void DeliveryGaveUp(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config not fetched ({Problem}); retry {Attempt} in a moment")]
    public static partial void ConfigRetry(ILogger logger, string problem, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Config fetched for TrainingRun {Namespace}/{Name}, attempt {Attempt}")]
    public static partial void ConfigFetched(ILogger logger, string @namespace, string name, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "The run is to finish early (spec.finish: now): stopping training and keeping the best epoch saved so far")]
    public static partial void FinishRequested(ILogger logger);
}
