using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Log messages of the TrainingRun reconciler; runs are named <c>TrainingRun ns/name</c> everywhere.</summary>
internal static partial class TrainingRunLog
{
    [LoggerMessage(1, LogLevel.Information, "TrainingRun {Run}: {From} -> {To}: {Message}")]
    public static partial void PhaseChanged(ILogger logger, string run, string from, string to, string? message);

    [LoggerMessage(2, LogLevel.Information, "TrainingRun {Run}: rented instance {InstanceId} ({Description}) for attempt {Attempt}")]
    public static partial void Rented(ILogger logger, string run, string instanceId, string description, int attempt);

    [LoggerMessage(3, LogLevel.Information, "TrainingRun {Run}: released instance {InstanceId}; spent ${Cost}")]
    public static partial void Released(ILogger logger, string run, string instanceId, double cost);

    [LoggerMessage(4, LogLevel.Information, "TrainingRun {Run}: no GPU yet: {Reason}")]
    public static partial void NoOffer(ILogger logger, string run, string reason);

    [LoggerMessage(5, LogLevel.Warning, "TrainingRun {Run}: waiting on a dependency: {Reason}")]
    public static partial void Waiting(ILogger logger, string run, string reason);

    [LoggerMessage(6, LogLevel.Information, "TrainingRun {Run}: deleted {Ttl}s after it finished (ttlSecondsAfterFinished)")]
    public static partial void Expired(ILogger logger, string run, long ttl);

    [LoggerMessage(7, LogLevel.Warning, "TrainingRun {Run}: a Vast call failed; the run waits and tries again: {Reason}")]
    public static partial void VastFailed(ILogger logger, string run, string reason);

    [LoggerMessage(8, LogLevel.Error, "TrainingRun {Run}: {Instance} is not released yet, it keeps billing until it is: {Reason}")]
    public static partial void ReleaseFailed(ILogger logger, string run, string instance, string reason);

    [LoggerMessage(9, LogLevel.Warning, "TrainingRun {Run}: the URLs of attempt {Attempt} were not re-issued, trying again at the next check: {Reason}")]
    public static partial void RefreshFailed(ILogger logger, string run, int attempt, string reason);

    [LoggerMessage(10, LogLevel.Warning, "TrainingRun {Run}: the saved training state was not moved on, trying again: {Reason}")]
    public static partial void StateAdvanceFailed(ILogger logger, string run, string reason);

    [LoggerMessage(11, LogLevel.Warning, "TrainingRun {Run}: finishing early, the best kept epoch was not copied to the output, trying again: {Reason}")]
    public static partial void FinishNotCopied(ILogger logger, string run, string reason);

    [LoggerMessage(12, LogLevel.Warning, "TrainingRun {Run}: files the completed run no longer needs were not deleted, trying again: {Reason}")]
    public static partial void LeftoversNotDeleted(ILogger logger, string run, string reason);
}
