using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Watchdog;

/// <summary>Log messages of the self-destruct watchdog. The per-instance key and presigned URLs are never logged.</summary>
internal static partial class WatchdogLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Self-destruct watchdog armed for Vast instance {InstanceId}: it fires after {Window} without an answer from the receiver, or when the run's deadline or budget passes")]
    public static partial void Armed(ILogger logger, string instanceId, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CONTAINER_ID and CONTAINER_API_KEY are not set (not running on Vast): if the watchdog fires, the agent uploads what it can and exits, but cannot destroy its instance")]
    public static partial void NotOnVast(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Self-destruct: {Reason}; stopping the run, uploading the best epoch so far, then {Next}")]
    public static partial void Fired(ILogger logger, string reason, string next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The agent gave up on the receiver; the watchdog destroys the instance once the receiver has been silent for {Window} (at {At:u})")]
    public static partial void WaitingForWindow(ILogger logger, TimeSpan window, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Nothing to upload before self-destructing: {Why}")]
    public static partial void NothingToSalvage(ILogger logger, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded the best epoch so far, {Epoch} (loss {Loss}), to {Key}: {Bytes} bytes, sha256 {Sha256}")]
    public static partial void Salvaged(ILogger logger, int epoch, double? loss, string key, long bytes, string sha256);

    [LoggerMessage(Level = LogLevel.Error, Message = "The best epoch so far ({Epoch}) could not be uploaded: {Reason}")]
    public static partial void SalvageFailed(ILogger logger, int epoch, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vast instance {InstanceId} destroyed; exiting")]
    public static partial void Destroyed(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Vast instance {InstanceId} is already gone; exiting")]
    public static partial void AlreadyGone(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Vast refused to destroy instance {InstanceId} with HTTP {Status}: CONTAINER_API_KEY does not act on CONTAINER_ID. Destroy the instance by hand; it bills until destroyed")]
    public static partial void DestroyRefused(ILogger logger, string instanceId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destroying Vast instance {InstanceId} failed ({Problem}), attempt {Attempt}")]
    public static partial void DestroyRetry(ILogger logger, string instanceId, string problem, int attempt);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Vast instance {InstanceId} could not be destroyed after {Attempts} attempts ({Problem}). Destroy it by hand; it bills until destroyed")]
    public static partial void DestroyGaveUp(ILogger logger, string instanceId, int attempts, string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopping the run failed; the self-destruct goes on")]
    public static partial void StopFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The self-destruct watchdog failed")]
    public static partial void Crashed(ILogger logger, Exception exception);
}
