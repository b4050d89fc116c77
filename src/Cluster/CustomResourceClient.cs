using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace LoraTrainer.Cluster;

/// <summary>LIST, WATCH, GET and PATCH for one custom resource type, with errors mapped to <see cref="KubernetesApiException"/>.</summary>
public sealed class CustomResourceClient<TResource>(IKubernetes client)
    where TResource : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly KubernetesEntityAttribute Entity = typeof(TResource).GetCustomAttribute<KubernetesEntityAttribute>()
        ?? throw new InvalidOperationException($"{typeof(TResource).Name} has no [KubernetesEntity] attribute");

    private const int PageSize = 500;

    /// <summary>The resource's plural name, for messages.</summary>
    public static string Plural => Entity.PluralName;

    /// <summary>Lists every object (all namespaces, or one), following continue tokens; returns the list's resourceVersion.</summary>
    public async Task<(IReadOnlyList<TResource> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var items = new List<TResource>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            var page = await Call(() => @namespace is null
                ? client.CustomObjects.ListClusterCustomObjectAsync(Entity.Group, Entity.ApiVersion, Entity.PluralName, continueParameter: continueToken, limit: PageSize, cancellationToken: cancellationToken)
                : client.CustomObjects.ListNamespacedCustomObjectAsync(Entity.Group, Entity.ApiVersion, @namespace, Entity.PluralName, continueParameter: continueToken, limit: PageSize, cancellationToken: cancellationToken),
                $"list {Entity.PluralName}").ConfigureAwait(false);
            var element = (JsonElement)page;
            var list = KubernetesJson.Deserialize<CustomResourceList>(element.GetRawText());
            items.AddRange(list.Items ?? []);
            resourceVersion = list.Metadata?.ResourceVersion ?? "";
            continueToken = list.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));

        return (items, resourceVersion);
    }

    /// <summary>Watches from <paramref name="resourceVersion"/> with bookmarks; ends when the server closes the stream.</summary>
    public async IAsyncEnumerable<(WatchEventType Type, TResource Object)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Exception? streamError = null;
        var events = @namespace is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(Entity.Group, Entity.ApiVersion, Entity.PluralName,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: ex => streamError ??= ex, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(Entity.Group, Entity.ApiVersion, @namespace, Entity.PluralName,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: ex => streamError ??= ex, cancellationToken: cancellationToken);

        await foreach (var (type, item) in events.ConfigureAwait(false))
        {
            yield return (type, Deserialize(item));
        }

        if (streamError is not null)
        {
            throw KubernetesApiException.From(streamError, $"watch {Entity.PluralName}");
        }
    }

    /// <summary>Reads one object; null when it does not exist.</summary>
    public async Task<TResource?> GetAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Call(() => client.CustomObjects.GetNamespacedCustomObjectAsync(Entity.Group, Entity.ApiVersion, key.Namespace, Entity.PluralName, key.Name, cancellationToken),
                $"get {Entity.PluralName} {key}").ConfigureAwait(false);
            return Deserialize(result);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Merge-patches the status subresource.</summary>
    public async Task<TResource> PatchStatusAsync(ResourceKey key, JsonNode mergePatch, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(mergePatch.ToJsonString(), V1Patch.PatchType.MergePatch);
        var result = await Call(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, Entity.Group, Entity.ApiVersion, key.Namespace, Entity.PluralName, key.Name, cancellationToken: cancellationToken),
            $"patch {Entity.PluralName}/status {key}").ConfigureAwait(false);
        return Deserialize(result);
    }

    /// <summary>Patches the object (metadata and spec) with a merge or JSON patch.</summary>
    public async Task<TResource> PatchAsync(ResourceKey key, V1Patch patch, CancellationToken cancellationToken)
    {
        var result = await Call(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Entity.Group, Entity.ApiVersion, key.Namespace, Entity.PluralName, key.Name, cancellationToken: cancellationToken),
            $"patch {Entity.PluralName} {key}").ConfigureAwait(false);
        return Deserialize(result);
    }

    /// <summary>Deletes the object; true when it existed.</summary>
    public async Task<bool> DeleteAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        try
        {
            await Call(() => client.CustomObjects.DeleteNamespacedCustomObjectAsync(Entity.Group, Entity.ApiVersion, key.Namespace, Entity.PluralName, key.Name, cancellationToken: cancellationToken),
                $"delete {Entity.PluralName} {key}").ConfigureAwait(false);
            return true;
        }
        catch (ResourceNotFoundException)
        {
            return false;
        }
    }

    private static TResource Deserialize(object result) => KubernetesJson.Deserialize<TResource>(((JsonElement)result).GetRawText());

    private static async Task<object> Call(Func<Task<object>> call, string operation)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (KubernetesApiException.From(ex, operation) is KubernetesApiException typed)
        {
            throw typed;
        }
    }

    private sealed class CustomResourceList
    {
        [System.Text.Json.Serialization.JsonPropertyName("metadata")]
        public V1ListMeta? Metadata { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("items")]
        public List<TResource>? Items { get; set; }
    }
}
