namespace LoraTrainer.Testing.Kubernetes;

/// <summary>How the fake refuses a watch from a resourceVersion older than its history: kube-apiserver does both.</summary>
public enum ExpiredWatchResponse
{
    /// <summary>The watch starts (200) and its first and only event is an ERROR carrying a 410 Expired Status, as the
    /// watch cache answers a resourceVersion it has just compacted. KubernetesClient raises a <c>KubernetesException</c>.</summary>
    ErrorEvent,

    /// <summary>The watch request itself is answered with HTTP 410 and an Expired Status, as the apiserver answers a
    /// resourceVersion far older than anything it keeps. KubernetesClient raises an <c>HttpOperationException</c>.</summary>
    HttpStatus,
}
