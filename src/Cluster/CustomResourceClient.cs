using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoraTrainer.Cluster;

/// <summary>LIST, WATCH, GET and PATCH for one custom resource type, with errors mapped to <see cref="KubernetesApiException"/>.</summary>
public sealed class CustomResourceClient<TResource>(IKubernetes client, ILogger<CustomResourceClient<TResource>>? logger = null)
    where TResource : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly KubernetesEntityAttribute Entity = typeof(TResource).GetCustomAttribute<KubernetesEntityAttribute>()
        ?? throw new InvalidOperationException($"{typeof(TResource).Name} has no [KubernetesEntity] attribute");

    private const int PageSize = 500;
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>The resource's plural name, for messages.</summary>
    public static string Plural => Entity.PluralName;

    /// <summary>
    /// Lists every object (all namespaces, or one), following continue tokens; returns the list's resourceVersion.
    /// An object that cannot be read as <typeparamref name="TResource"/> is skipped and logged, so one bad object
    /// never stalls the others.
    /// </summary>
    public async Task<(IReadOnlyList<TResource> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var items = new List<TResource>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            var page = (JsonElement)await Call(() => @namespace is null
                ? client.CustomObjects.ListClusterCustomObjectAsync(Entity.Group, Entity.ApiVersion, Entity.PluralName, continueParameter: continueToken, limit: PageSize, cancellationToken: cancellationToken)
                : client.CustomObjects.ListNamespacedCustomObjectAsync(Entity.Group, Entity.ApiVersion, @namespace, Entity.PluralName, continueParameter: continueToken, limit: PageSize, cancellationToken: cancellationToken),
                $"list {Entity.PluralName}").ConfigureAwait(false);
            var metadata = page.TryGetProperty("metadata", out var meta) ? ClusterJson.Deserialize<V1ListMeta>(meta) : null;
            if (page.TryGetProperty("items", out var pageItems) && pageItems.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in pageItems.EnumerateArray())
                {
                    if (TryDeserialize(item) is { } readable)
                    {
                        items.Add(readable);
                    }
                }
            }

            resourceVersion = metadata?.ResourceVersion ?? "";
            continueToken = metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(continueToken));

        return (items, resourceVersion);
    }

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks; ends when the server closes the stream. Errors
    /// come typed, whether in the stream or as the status of the watch request itself (410 Gone is
    /// <see cref="ResourceVersionGoneException"/> either way); an object that cannot be read is skipped and logged.
    /// </summary>
    public async IAsyncEnumerable<(WatchEventType Type, TResource Object)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = @namespace is null
            ? $"apis/{Entity.Group}/{Entity.ApiVersion}/{Entity.PluralName}"
            : $"apis/{Entity.Group}/{Entity.ApiVersion}/namespaces/{Uri.EscapeDataString(@namespace)}/{Entity.PluralName}";
        await foreach (var (type, item) in KubernetesWatch.StreamAsync(client, path, resourceVersion, timeoutSeconds, fieldSelector: null, $"watch {Entity.PluralName}", cancellationToken)
            .ConfigureAwait(false))
        {
            if (TryDeserialize(item) is { } readable)
            {
                yield return (type, readable);
            }
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

    private static TResource Deserialize(object result) => ClusterJson.Deserialize<TResource>((JsonElement)result);

    /// <summary>The object, or null (logged with its namespace and name, never its content) when it does not fit <typeparamref name="TResource"/>.</summary>
    private TResource? TryDeserialize(JsonElement item)
    {
        try
        {
            return ClusterJson.Deserialize<TResource>(item);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            ClusterLog.Unreadable(_logger, Entity.PluralName, KeyOf(item), typeof(TResource).Name, ex.Message);
            return null;
        }
    }

    /// <summary>namespace/name from the raw object's metadata, as far as it can be read.</summary>
    private static string KeyOf(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return "(no metadata)";
        }

        var name = metadata.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : "(no name)";
        return metadata.TryGetProperty("namespace", out var ns) && ns.ValueKind == JsonValueKind.String ? $"{ns.GetString()}/{name}" : name ?? "";
    }

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
}
