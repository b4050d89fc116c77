using LoraTrainer.Cluster;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Runtime;

/// <summary>Log messages of the controller runtime.</summary>
internal static partial class RuntimeLog
{
    [LoggerMessage(1, LogLevel.Information, "Listed {Count} {Kind} at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string kind, int count, string resourceVersion);

    [LoggerMessage(2, LogLevel.Warning, "Listing {Kind} failed (attempt {Attempt}): {Reason}")]
    public static partial void ListFailed(ILogger logger, string kind, int attempt, string reason);

    [LoggerMessage(3, LogLevel.Information, "Watch of {Kind} from resourceVersion {ResourceVersion} is gone (410); listing again")]
    public static partial void WatchGone(ILogger logger, string kind, string resourceVersion);

    [LoggerMessage(4, LogLevel.Warning, "Watch of {Kind} failed (attempt {Attempt}): {Reason}")]
    public static partial void WatchFailed(ILogger logger, string kind, int attempt, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Watch of {Kind} was silent for {Silence}; restarting it")]
    public static partial void WatchSilent(ILogger logger, string kind, TimeSpan silence);

    [LoggerMessage(6, LogLevel.Warning, "Reconcile of {Controller} {Key} failed (attempt {Attempt}, retry in {Delay}): {Reason}")]
    public static partial void ReconcileFailed(ILogger logger, string controller, ResourceKey key, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(7, LogLevel.Information, "Controller {Controller} started with {Workers} workers")]
    public static partial void ControllerStarted(ILogger logger, string controller, int workers);

    [LoggerMessage(8, LogLevel.Information, "Controller {Controller} stopped")]
    public static partial void ControllerStopped(ILogger logger, string controller);

    [LoggerMessage(9, LogLevel.Warning, "Recording event {Reason} on {Key} failed: {Error}")]
    public static partial void EventFailed(ILogger logger, string reason, string key, string error);

    [LoggerMessage(13, LogLevel.Debug, "Reconcile of {Controller} {Key} lost a write race (the object changed since it was read); again in {Delay}")]
    public static partial void ReconcileConflicted(ILogger logger, string controller, ResourceKey key, TimeSpan delay);

    [LoggerMessage(10, LogLevel.Information, "Became leader as {Identity}")]
    public static partial void BecameLeader(ILogger logger, string identity);

    [LoggerMessage(11, LogLevel.Critical, "Lost leadership as {Identity}; stopping")]
    public static partial void LostLeadership(ILogger logger, string identity);

    [LoggerMessage(12, LogLevel.Information, "{Identity} observed leader {Leader}")]
    public static partial void NewLeader(ILogger logger, string identity, string leader);
}
