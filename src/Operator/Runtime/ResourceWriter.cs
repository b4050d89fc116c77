using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using k8s.Models;
using k8s;
using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// The writes a reconciler makes: status merge patches that skip no-ops, and finalizer patches. It remembers what it
/// wrote until the informer's cache has caught up, so a reconcile right after a write works on the written state.
/// </summary>
/// <param name="client">The resource's API.</param>
/// <param name="preciseTimestamps">Status properties whose timestamps keep their fraction (see <see cref="StatusPatch.AtSecondPrecision"/>).</param>
public sealed class ResourceWriter<TResource, TStatus>(CustomResourceClient<TResource> client, IReadOnlySet<string>? preciseTimestamps = null)
    where TResource : class, IKubernetesObject<V1ObjectMeta>, IStatus<TStatus?>
    where TStatus : class
{
    private readonly ConcurrentDictionary<ResourceKey, Written> _written = new();

    /// <summary>
    /// The state to reconcile: <paramref name="cached"/>, or the object this writer last wrote when the cache still
    /// holds a version that write replaced. A reconcile queued by the watch event of its own earlier write often runs
    /// before the event of its later write arrives; working on that stale copy would repeat what was just done (a
    /// second destroy at Vast, a second rent) and end in a write conflict. Versions are only compared for equality.
    /// </summary>
    public TResource? Latest(ResourceKey key, TResource? cached)
    {
        if (!_written.TryGetValue(key, out var written))
        {
            return cached;
        }

        if (cached is not null && written.Replaced.Contains(cached.Metadata.ResourceVersion))
        {
            return written.Object;
        }

        // The cache shows the written version or one written by someone else since: it is current again.
        _written.TryRemove(KeyValuePair.Create(key, written));
        return cached;
    }

    /// <summary>
    /// Writes <paramref name="desired"/> as the status of <paramref name="current"/>, guarded by its resourceVersion.
    /// Timestamps are written at second precision (but for the writer's precise ones), so a status rebuilt from a
    /// fresh clock reading within the same second is no change. Returns the updated object, or <paramref name="current"/> unchanged when nothing differs
    /// (no request is made). A concurrent change answers <see cref="ResourceConflictException"/>: re-read and
    /// reconcile again.
    /// </summary>
    public async Task<TResource> PatchStatusAsync(TResource current, TStatus desired, CancellationToken cancellationToken)
    {
        var before = current.Status is null ? null : JsonNode.Parse(ClusterJson.Serialize(current.Status));
        var after = StatusPatch.AtSecondPrecision(JsonNode.Parse(ClusterJson.Serialize(desired)), preciseTimestamps);
        var patch = StatusPatch.For(before, after, current.Metadata.ResourceVersion);
        if (patch is null)
        {
            return current;
        }

        return await RecordAsync(current, () => client.PatchStatusAsync(ResourceKey.Of(current), patch, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a finalizer unless present; returns the object as it now is. The patch is guarded by the resourceVersion:
    /// when the object changed since it was read, <see cref="ResourceConflictException"/>.
    /// </summary>
    public async Task<TResource> AddFinalizerAsync(TResource current, string finalizer, CancellationToken cancellationToken)
    {
        var patch = FinalizerPatch.Add(current.Metadata, finalizer);
        return patch is null
            ? current
            : await RecordAsync(current, () => client.PatchAsync(ResourceKey.Of(current), patch, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// Removes a finalizer if present; returns the object as it now is (it may be gone: null). Guarded like
    /// <see cref="AddFinalizerAsync"/>: a stale object answers <see cref="ResourceConflictException"/>.
    /// </summary>
    public async Task<TResource?> RemoveFinalizerAsync(TResource current, string finalizer, CancellationToken cancellationToken)
    {
        var patch = FinalizerPatch.Remove(current.Metadata, finalizer);
        if (patch is null)
        {
            return current;
        }

        try
        {
            return await RecordAsync(current, () => client.PatchAsync(ResourceKey.Of(current), patch, cancellationToken)).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            _written.TryRemove(ResourceKey.Of(current), out _);
            return null;
        }
    }

    /// <summary>Writes, then remembers the result and the version it replaced; a conflict means the cache is the better guide again.</summary>
    private async Task<TResource> RecordAsync(TResource current, Func<Task<TResource>> write)
    {
        var key = ResourceKey.Of(current);
        TResource updated;
        try
        {
            updated = await write().ConfigureAwait(false);
        }
        catch (ResourceConflictException)
        {
            _written.TryRemove(key, out _);
            throw;
        }

        var replaced = current.Metadata.ResourceVersion;
        _written.AddOrUpdate(key,
            _ => new Written(updated, [replaced]),
            (_, earlier) => new Written(updated, earlier.Replaced.Add(replaced)));
        return updated;
    }

    /// <summary>The last object written for a key and every version it superseded.</summary>
    private sealed record Written(TResource Object, ImmutableHashSet<string> Replaced);
}
