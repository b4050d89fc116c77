namespace LoraTrainer.Dashboard;

/// <summary>The dashboard's log messages.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(1, LogLevel.Debug, "Listed {What} at resourceVersion {ResourceVersion}; watching")]
    public static partial void Listed(ILogger logger, string what, string resourceVersion);

    [LoggerMessage(2, LogLevel.Information, "The watch of {What} fell too far behind (410 Gone); listing again")]
    public static partial void WatchGone(ILogger logger, string what);

    [LoggerMessage(3, LogLevel.Warning, "Watching {What} failed ({Failures} in a row): {Reason}; listing again")]
    public static partial void WatchFailed(ILogger logger, string what, int failures, string reason);

    [LoggerMessage(4, LogLevel.Information, "A bearer token was refused by TokenReview: {Reason}")]
    public static partial void TokenRefused(ILogger logger, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Could not read the size of {Bucket}/{Key}: {Reason}")]
    public static partial void HeadFailed(ILogger logger, string bucket, string key, string reason);
}
