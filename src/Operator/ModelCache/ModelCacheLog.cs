using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.ModelCache;

/// <summary>Log messages of the model cache. Presigned URLs are never logged.</summary>
internal static partial class ModelCacheLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Model cache hit: {Name} at {Object}")]
    public static partial void Hit(ILogger logger, string name, string @object);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "Model cache miss: {Name}; the agent fills {Object}")]
    public static partial void Miss(ILogger logger, string name, string @object);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "Model cache not used for {Name}: {Reason}")]
    public static partial void Unavailable(ILogger logger, string name, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Model cache object {Object} ignored: its recorded SHA-256 is not the file's")]
    public static partial void Mismatch(ILogger logger, string @object);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Civitai model version {VersionId} prepared from the model cache's record {Record}, without asking Civitai")]
    public static partial void VersionFound(ILogger logger, long versionId, string record);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Model cache record of Civitai model version {VersionId} not read: {Reason}; asking Civitai")]
    public static partial void VersionUnavailable(ILogger logger, long versionId, string reason);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Information, Message = "Model cache upload to {Object}, started {Initiated:O} and recorded by no run, aborted")]
    public static partial void UnrecordedUploadAborted(ILogger logger, string @object, DateTimeOffset initiated);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "Model cache uploads under {Prefix} not swept: {Reason}; the bucket's lifecycle rule takes any left over")]
    public static partial void UploadSweepFailed(ILogger logger, string prefix, string reason);
}
