using Microsoft.Extensions.Logging;

namespace LoraTrainer.Cluster;

/// <summary>Log messages of the client-side Kubernetes plumbing.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(1, LogLevel.Warning, "Skipped {Kind} {Key}: it cannot be read as {Type} ({Reason}); fix or delete the object")]
    public static partial void Unreadable(ILogger logger, string kind, string key, string type, string reason);
}
