using LoraTrainer.Api;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Models;

/// <summary>Log messages of model resolution. Keys, signed URLs and Authorization values are never logged.</summary>
internal static partial class ModelsLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Civitai model version {VersionId} resolved: {Family} {FileName} ({Bytes} bytes), download via {Access}")]
    public static partial void Resolved(ILogger logger, long versionId, ModelFamily family, string fileName, long bytes, DownloadAccess access);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Civitai model version {VersionId} not resolved ({Outcome}): {Detail}")]
    public static partial void NotResolved(ILogger logger, long versionId, ModelResolutionOutcome outcome, string detail);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Civitai model version {VersionId}: signed download URL obtained on {Host}")]
    public static partial void SignedUrlObtained(ILogger logger, long versionId, string host);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Civitai model version {VersionId}: download answered {Status} without a usable redirect; the agent downloads from Civitai directly")]
    public static partial void NoSignedUrl(ILogger logger, long versionId, int status);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Debug, Message = "{Field}: signed download URL obtained on {Host}")]
    public static partial void FileSignedUrlObtained(ILogger logger, string field, string host);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "{Field}: {Host} answered {Status} without a usable redirect; the agent downloads with the token")]
    public static partial void FileNoSignedUrl(ILogger logger, string field, string host, int status);
}
