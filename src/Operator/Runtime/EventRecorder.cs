using System.Collections.Concurrent;
using System.Net;
using k8s.Autorest;
using k8s.Models;
using k8s;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Records core/v1 Events on objects, best-effort: a failure is logged, never thrown, so an Event can never fail a
/// reconcile (a timeout included: only the caller's own cancellation escapes). A repeated event (same object, type,
/// reason and message) bumps the count of the first one, or records it anew when that one has expired.
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
            if (_recorded.TryGetValue(identity, out var seen) && await CountAgainAsync(seen, metadata.NamespaceProperty, now, cancellationToken).ConfigureAwait(false))
            {
                _recorded[identity] = (seen.Name, seen.Count + 1);
                return;
            }

            var name = await CreateAsync(involved, type, reason, message, now, cancellationToken).ConfigureAwait(false);
            if (_recorded.Count >= MaxRemembered)
            {
                // Aggregation is a courtesy: forgetting old events only means the next repeat starts a new count.
                _recorded.Clear();
            }

            _recorded[identity] = (name, 1);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A timeout is an OperationCanceledException too: only the caller's own cancellation may escape.
            _recorded.TryRemove(identity, out _);
            RuntimeLog.EventFailed(logger, reason, $"{metadata.NamespaceProperty}/{metadata.Name}", ex.Message);
        }
    }

    /// <summary>Bumps the count of an earlier event; false when it has expired meanwhile (the API server deletes Events after an hour), so it is created anew.</summary>
    private async Task<bool> CountAgainAsync((string Name, int Count) seen, string @namespace, DateTime now, CancellationToken cancellationToken)
    {
        var patch = new V1Patch($$"""{"count":{{seen.Count + 1}},"lastTimestamp":"{{now:yyyy-MM-ddTHH:mm:ssZ}}"}""", V1Patch.PatchType.MergePatch);
        try
        {
            await client.CoreV1.PatchNamespacedEventAsync(patch, seen.Name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<string> CreateAsync(IKubernetesObject<V1ObjectMeta> involved, string type, string reason, string message, DateTime now, CancellationToken cancellationToken)
    {
        var metadata = involved.Metadata;
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
        return name;
    }
}
