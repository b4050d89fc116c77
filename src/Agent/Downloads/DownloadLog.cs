using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Downloads;

/// <summary>Log messages of downloads. Only hosts are logged, never URLs (they may be presigned).</summary>
internal static partial class DownloadLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading {What} from {Host} (resuming at byte {Offset})")]
    public static partial void Starting(ILogger logger, string what, string host, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Download of {What} interrupted ({Problem}); attempt {Attempt} will resume")]
    public static partial void Interrupted(ILogger logger, string what, string problem, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {What}: {Bytes} bytes, sha256 {Sha256}")]
    public static partial void Finished(ILogger logger, string what, long bytes, string sha256);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} from the model cache refused ({Problem}); downloading it from its source")]
    public static partial void CacheRejected(ILogger logger, string what, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "{What} already present and verified; not downloaded again")]
    public static partial void Reused(ILogger logger, string what);
}
