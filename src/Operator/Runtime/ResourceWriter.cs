using System.Text.Json.Nodes;
using k8s.Models;
using k8s;
using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>The writes a reconciler makes: status merge patches that skip no-ops, and finalizer patches.</summary>
public sealed class ResourceWriter<TResource, TStatus>(CustomResourceClient<TResource> client)
    where TResource : class, IKubernetesObject<V1ObjectMeta>, IStatus<TStatus?>
    where TStatus : class
{
    /// <summary>
    /// Writes <paramref name="desired"/> as the status of <paramref name="current"/>, guarded by its resourceVersion.
    /// Returns the updated object, or <paramref name="current"/> unchanged when nothing differs (no request is made).
    /// A concurrent change answers <see cref="ResourceConflictException"/>: re-read and reconcile again.
    /// </summary>
    public async Task<TResource> PatchStatusAsync(TResource current, TStatus desired, CancellationToken cancellationToken)
    {
        var patch = StatusPatch.For(current.Status, desired, current.Metadata.ResourceVersion);
        if (patch is null)
        {
            return current;
        }

        return await client.PatchStatusAsync(ResourceKey.Of(current), patch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds a finalizer unless present; returns the object as it now is.</summary>
    public async Task<TResource> AddFinalizerAsync(TResource current, string finalizer, CancellationToken cancellationToken)
    {
        var patch = FinalizerPatch.Add(current.Metadata, finalizer);
        return patch is null
            ? current
            : await client.PatchAsync(ResourceKey.Of(current), patch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes a finalizer if present; returns the object as it now is (it may be gone: null).</summary>
    public async Task<TResource?> RemoveFinalizerAsync(TResource current, string finalizer, CancellationToken cancellationToken)
    {
        var patch = FinalizerPatch.Remove(current.Metadata, finalizer);
        if (patch is null)
        {
            return current;
        }

        try
        {
            return await client.PatchAsync(ResourceKey.Of(current), patch, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }
}
