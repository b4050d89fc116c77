using System.Text.Json.Nodes;
using k8s;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.Kubernetes.Watch;

namespace LoraTrainer.Testing.Kubernetes;

public sealed partial class FakeKubeApiServer
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    // These waits follow a watch rather than poll with Eventually: they see every change, however brief, the moment it is made.

    /// <summary>Waits until the object exists and satisfies <paramref name="predicate"/>; returns that state.</summary>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/> (10 seconds by default).</exception>
    public async Task<JsonObject> WaitForAsync(string apiVersion, string kind, string? @namespace, string name,
        Func<JsonObject, bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var found = await WaitForChangeAsync(apiVersion, kind, @namespace, name, m => m.Type != WatchMessage.Deleted && predicate(m.Object), timeout, cancellationToken);
        return KubeJson.Clone(found.Object);
    }

    /// <summary>Waits until the typed object exists and satisfies <paramref name="predicate"/>; returns that state.</summary>
    public async Task<T> WaitForAsync<T>(string? @namespace, string name, Func<T, bool> predicate, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var (apiVersion, kind) = EntityOf<T>();
        var found = await WaitForAsync(apiVersion, kind, @namespace, name,
            o => predicate(ClusterJson.Deserialize<T>(o.ToJsonString())), timeout, cancellationToken);
        return ClusterJson.Deserialize<T>(found.ToJsonString());
    }

    /// <summary>Waits until the object no longer exists (returns at once if it never did).</summary>
    public async Task WaitForDeletionAsync(string apiVersion, string kind, string? @namespace, string name,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (Get(apiVersion, kind, @namespace, name) is not null)
        {
            await WaitForChangeAsync(apiVersion, kind, @namespace, name, m => m.Type == WatchMessage.Deleted, timeout, cancellationToken);
        }
    }

    private async Task<WatchMessage> WaitForChangeAsync(string apiVersion, string kind, string? @namespace, string name,
        Func<WatchMessage, bool> done, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var type = Resolve(apiVersion, kind);
        var filter = new WatchFilter(type.Namespaced ? @namespace : null, o => KubeJson.Name(o) == name);
        var subscription = _cluster.Watch(type, filter, null, isInternal: true);
        var limit = timeout ?? DefaultWait;
        using var timedOut = new CancellationTokenSource(limit, _cluster.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timedOut.Token, cancellationToken);
        JsonObject? last = null;
        try
        {
            await foreach (var message in subscription.Reader.ReadAllAsync(linked.Token))
            {
                last = message.Object;
                if (done(message))
                {
                    return message;
                }
            }

            throw new InvalidOperationException($"The fake Kubernetes API stopped while waiting for {kind} {@namespace}/{name}.");
        }
        catch (OperationCanceledException) when (timedOut.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seen = last is null ? "it never existed" : "status " + (last["status"]?.ToJsonString() ?? "(none)");
            throw Eventually.TimedOut($"{kind} {@namespace}/{name}", limit, seen);
        }
        finally
        {
            _cluster.Unwatch(subscription);
        }
    }
}
