using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Watch;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

/// <summary>The apiserver's behaviour over the store: reads, writes with their rules, deletion, and the controllers
/// (garbage collector, namespace and CRD cleanup) that a real control plane runs beside it.</summary>
/// <remarks>
/// Everything runs under the store's single lock, and the controllers settle synchronously after each write, so a
/// test sees a deterministic cluster: when a DELETE returns, dependents without finalizers are already gone.
/// </remarks>
internal sealed partial class FakeCluster(ObjectStore store, ResourceRegistry registry, TimeProvider time)
{
    public ObjectStore Store { get; } = store;

    public ResourceRegistry Registry { get; } = registry;

    public TimeProvider Time { get; } = time;

    private string Now => KubeJson.FormatTime(Time.GetUtcNow());

    public JsonObject Get(ResourceType type, string? ns, string name)
    {
        using (Store.Gate.EnterScope())
        {
            return type.Present(Store.Get(type.StorageKey, ns, name) ?? throw KubeErrors.NotFound(type, name));
        }
    }

    public JsonObject? Find(ResourceType type, string? ns, string name)
    {
        using (Store.Gate.EnterScope())
        {
            return Store.Get(type.StorageKey, ns, name) is { } obj ? type.Present(obj) : null;
        }
    }

    public ListPage List(ResourceType type, WatchFilter filter, int? limit = null, string? continueToken = null)
    {
        using (Store.Gate.EnterScope())
        {
            var (after, revision) = DecodeContinue(continueToken);
            var matching = Store.List(type.StorageKey, filter.Namespace, after).Where(filter.Matches);
            var page = (limit is > 0 ? matching.Take(limit.Value + 1) : matching).Select(type.Present).ToList();
            revision ??= Store.Revision;
            if (limit is > 0 && page.Count > limit)
            {
                page.RemoveAt(page.Count - 1);
                var next = EncodeContinue(ObjectStore.KeyOf(page[^1]), revision.Value);
                var remaining = Store.List(type.StorageKey, filter.Namespace, ObjectStore.KeyOf(page[^1])).Count(filter.Matches);
                return new ListPage(page, revision.Value, next, remaining);
            }

            return new ListPage(page, revision.Value, null, null);
        }
    }

    public WatchSubscription Watch(ResourceType type, WatchFilter filter, long? fromRevision, bool isInternal = false)
    {
        using (Store.Gate.EnterScope())
        {
            return Store.Watch(type.StorageKey, filter, fromRevision, type.Present, isInternal);
        }
    }

    public void Unwatch(WatchSubscription subscription)
    {
        using (Store.Gate.EnterScope())
        {
            Store.Unwatch(subscription);
        }
    }

    /// <summary>Queues a BOOKMARK behind every change already sent to the watch, so its resourceVersion is safe to resume from.</summary>
    public void Bookmark(WatchSubscription subscription, ResourceType type, bool initialEventsEnd = false)
    {
        using (Store.Gate.EnterScope())
        {
            var metadata = new JsonObject { ["resourceVersion"] = Store.Revision.ToString(CultureInfo.InvariantCulture) };
            if (initialEventsEnd)
            {
                metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
            }

            subscription.Send(new WatchMessage(WatchMessage.Bookmark, new JsonObject
            {
                ["kind"] = type.Kind,
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = metadata,
            }));
        }
    }

    public ResourceType TypeOf(JsonObject obj)
    {
        var apiVersion = KubeJson.GetString(obj, "apiVersion") ?? "";
        var kind = KubeJson.GetString(obj, "kind") ?? "";
        return Registry.FindByKind(apiVersion, kind)
               ?? throw KubeErrors.NotFound($"no matches for kind \"{kind}\" in version \"{apiVersion}\"");
    }

    private static string EncodeContinue(string key, long revision) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = revision, ["start"] = key }.ToJsonString()));

    private static (string? After, long? Revision) DecodeContinue(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, null);
        }

        try
        {
            var node = JsonNode.Parse(Convert.FromBase64String(token));
            return (node?["start"]?.GetValue<string>(), KubeJson.GetLong(node?["rv"]));
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw KubeErrors.BadRequest($"continue key is not valid: {e.Message}");
        }
    }
}
