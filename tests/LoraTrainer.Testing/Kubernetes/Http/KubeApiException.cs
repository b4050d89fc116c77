using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>A request the fake refuses; carries the <c>meta/v1 Status</c> the apiserver would answer.</summary>
internal sealed class KubeApiException(int code, string reason, string message, JsonObject? details = null)
    : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => StatusObjects.Failure(Code, Reason, Message, Details?.DeepClone() as JsonObject);
}
