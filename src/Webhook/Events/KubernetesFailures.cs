using System.Net.Sockets;
using k8s.Autorest;
using LoraTrainer.Cluster;

namespace LoraTrainer.Webhook.Events;

/// <summary>Which failures of a Kubernetes API call are answered 503 (the agent retries), and how they are counted.</summary>
internal static class KubernetesFailures
{
    /// <summary>
    /// <c>api</c> (the server refused or failed), <c>timeout</c> or <c>network</c>; null for anything else, and for a
    /// request the agent abandoned (<paramref name="requestAborted"/>), which needs no answer.
    /// </summary>
    public static string? Reason(Exception exception, CancellationToken requestAborted) => exception switch
    {
        _ when requestAborted.IsCancellationRequested => null,
        KubernetesApiException or HttpOperationException => "api",
        TimeoutException or OperationCanceledException => "timeout",
        HttpRequestException or IOException or SocketException => "network",
        _ => null,
    };

    /// <summary>A one-line description for the log: the type and message, which never carry a token or URL query.</summary>
    public static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message}";
}
