using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.Kubernetes.Hooks;

/// <summary>Log messages of the Kubernetes API fake.</summary>
internal static partial class FakeKubeApiLog
{
    [LoggerMessage(1, LogLevel.Information, "{Method} {Path}{Query} -> {StatusCode}")]
    public static partial void Request(ILogger logger, string method, string path, string query, int statusCode);

    [LoggerMessage(2, LogLevel.Error, "Handler failed for {Method} {Path}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(3, LogLevel.Information, "Kubernetes API fake listening on {Url}")]
    public static partial void Listening(ILogger logger, Uri url);
}
