using System.Collections.Concurrent;
using k8s.Models;
using k8s;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Records core/v1 Events on objects, best-effort: a failure is logged, never thrown, so an Event can never fail a
/// reconcile. A repeated event (same object, type, reason and message) bumps the count of the first one.
/// </summary>
public sealed class EventRecorder(IKubernetes client, TimeProvider time, ILogger<EventRecorder> logger, string component = "loratrainer-operator")
{
    private const int MaxRemembered = 10_000;
    private readonly ConcurrentDictionary<(string Uid, string Type, string Reason, string Message), (string Name, int Count)> _recorded = new();

    /// <summary>A Normal event.</summary>
    public Task NormalAsync(IKubernetesObject<V1ObjectMeta> involved, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(involved, "Normal", reason, message, cancellationToken);

    /// <summary>A Warning event.</summary>
    public Task WarningAsync(IKubernetesObject<V1ObjectMeta> involved, string reason, string message, CancellationToken cancellationToken = default) =>
        RecordAsync(involved, "Warning", reason, message, cancellationToken);

    private async Task RecordAsync(IKubernetesObject<V1ObjectMeta> involved, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var metadata = involved.Metadata;
        var now = DateTime.SpecifyKind(time.GetUtcNow().UtcDateTime, DateTimeKind.Utc);
        var identity = (metadata.Uid ?? metadata.Name, type, reason, message);
        try
        {
            if (_recorded.TryGetValue(identity, out var seen))
            {
                var count = seen.Count + 1;
                var patch = new V1Patch($$"""{"count":{{count}},"lastTimestamp":"{{now:yyyy-MM-ddTHH:mm:ssZ}}"}""", V1Patch.PatchType.MergePatch);
                await client.CoreV1.PatchNamespacedEventAsync(patch, seen.Name, metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
                _recorded[identity] = (seen.Name, count);
                return;
            }

            var name = $"{metadata.Name}.{time.GetUtcNow().ToUnixTimeMilliseconds():x}{Random.Shared.Next(0x1000):x3}";
            var created = new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = metadata.NamespaceProperty },
                InvolvedObject = new V1ObjectReference
                {
                    ApiVersion = involved.ApiVersion, Kind = involved.Kind, Name = metadata.Name,
                    NamespaceProperty = metadata.NamespaceProperty, Uid = metadata.Uid, ResourceVersion = metadata.ResourceVersion,
                },
                Type = type,
                Reason = reason,
                Message = message,
                Count = 1,
                FirstTimestamp = now,
                LastTimestamp = now,
                Source = new V1EventSource { Component = component },
                ReportingComponent = component,
            };
            await client.CoreV1.CreateNamespacedEventAsync(created, metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_recorded.Count >= MaxRemembered)
            {
                // Aggregation is a courtesy: forgetting old events only means the next repeat starts a new count.
                _recorded.Clear();
            }

            _recorded[identity] = (name, 1);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _recorded.TryRemove(identity, out _);
            RuntimeLog.EventFailed(logger, reason, $"{metadata.NamespaceProperty}/{metadata.Name}", ex.Message);
        }
    }
}
