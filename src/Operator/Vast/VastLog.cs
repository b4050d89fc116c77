using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Vast;

/// <summary>Log messages of the Vast provider. Instances are named <c>Vast instance {id}</c> everywhere; keys never appear.</summary>
internal static partial class VastLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Vast search for {Gpus}: {Summary}")]
    public static partial void OffersSearched(this ILogger logger, string gpus, string summary);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Vast offer {OfferId} was taken before it could be rented ({Detail}); trying the next")]
    public static partial void OfferTaken(this ILogger logger, long offerId, string detail);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Vast instance {InstanceId} created from offer {OfferId} on machine {MachineId} as {Label}")]
    public static partial void InstanceCreated(this ILogger logger, long instanceId, long offerId, long machineId, string label);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Vast's answer to creating {Label} from offer {OfferId} was lost ({Detail}, attempt {Attempt}); looking the label up before trying again")]
    public static partial void CreateAnswerLost(this ILogger logger, string label, long offerId, string detail, int attempt);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Vast instance {InstanceId} found by its label {Label}; using it instead of creating another")]
    public static partial void InstanceFoundByLabel(this ILogger logger, long instanceId, string label);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Vast instance {InstanceId} came with a failed answer for offer {OfferId}; destroying it")]
    public static partial void StrayInstance(this ILogger logger, long instanceId, long offerId);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Error, Message = "Vast instance {InstanceId} came with a failed answer and could not be destroyed yet; the orphan sweep will retry: {Reason}")]
    public static partial void StrayInstanceSurvived(this ILogger logger, long instanceId, string reason);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "Vast instance {InstanceId} destroyed and confirmed gone (it existed: {Existed})")]
    public static partial void InstanceDestroyed(this ILogger logger, long instanceId, bool existed);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Information, Message = "Every Vast offer tried for {Label} was taken (round {Round}); searching again")]
    public static partial void AllOffersTaken(this ILogger logger, string label, int round);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Debug, Message = "Vast {Method} {Path} answered {Status} in {ElapsedMs:0} ms")]
    public static partial void RequestAnswered(this ILogger logger, string method, string path, int status, double elapsedMs);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Debug, Message = "Vast {Method} {Path} got no answer ({Failure}) after {ElapsedMs:0} ms")]
    public static partial void RequestFailed(this ILogger logger, string method, string path, string failure, double elapsedMs);

    [LoggerMessage(EventId = 5020, Level = LogLevel.Warning, Message = "Vast instance {InstanceId} ({Label}, {AgeMinutes:0} min old) is claimed by no run; destroying it")]
    public static partial void OrphanFound(this ILogger logger, long instanceId, string label, double ageMinutes);

    [LoggerMessage(EventId = 5021, Level = LogLevel.Error, Message = "Orphaned Vast instance {InstanceId} could not be destroyed; next sweep retries: {Reason}")]
    public static partial void OrphanSurvived(this ILogger logger, long instanceId, string reason);

    [LoggerMessage(EventId = 5022, Level = LogLevel.Information, Message = "Vast orphan sweep skipped: run claims are not loaded yet")]
    public static partial void SweepWaitingForClaims(this ILogger logger);

    [LoggerMessage(EventId = 5023, Level = LogLevel.Error, Message = "Vast orphan sweep failed: {Reason}")]
    public static partial void SweepFailed(this ILogger logger, string reason);

    [LoggerMessage(EventId = 5024, Level = LogLevel.Debug, Message = "Vast orphan sweep: {Listed} listed, {Ours} ours, {Claimed} claimed, {Young} in grace, {Destroyed} destroyed, {Failed} failed")]
    public static partial void SweepCompleted(this ILogger logger, int listed, int ours, int claimed, int young, int destroyed, int failed);

    [LoggerMessage(EventId = 5026, Level = LogLevel.Debug, Message = "Vast orphan sweep failed again, as before: {Reason}")]
    public static partial void SweepStillFailing(this ILogger logger, string reason);

    [LoggerMessage(EventId = 5027, Level = LogLevel.Information, Message = "Vast orphan sweep works again")]
    public static partial void SweepRecovered(this ILogger logger);

    [LoggerMessage(EventId = 5025, Level = LogLevel.Warning, Message = "Vast instance {InstanceId} has this cluster's prefix but an unreadable label {Label}; left alone")]
    public static partial void MalformedLabel(this ILogger logger, long instanceId, string label);
}
