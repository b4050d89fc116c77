using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Uploads;

/// <summary>Log messages of uploads. Only hosts are logged, never presigned URLs.</summary>
internal static partial class UploadLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} not sent to the model cache: {Reason}")]
    public static partial void CacheFillFailed(ILogger logger, string what, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploading {What} ({Bytes} bytes) to {Host}, attempt {Attempt}")]
    public static partial void Starting(ILogger logger, string what, string host, long bytes, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload of {What} failed ({Problem}), attempt {Attempt}")]
    public static partial void Failed(ILogger logger, string what, string problem, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded {What}: {Bytes} bytes, sha256 {Sha256}")]
    public static partial void Finished(ILogger logger, string what, long bytes, string sha256);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploading {What} ({Bytes} bytes) to {Host} in {Parts} parts, {Sent} already sent")]
    public static partial void MultipartStarting(ILogger logger, string what, string host, long bytes, int parts, int sent);
}
