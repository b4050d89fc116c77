using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Watch;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

internal sealed partial class FakeCluster
{
    public const string ForegroundFinalizer = "foregroundDeletion";

    /// <summary>DELETE: objects with finalizers get a <c>deletionTimestamp</c> and stay; others go at once, and their dependents follow.</summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, DeleteOptions options)
    {
        using (Store.Gate.EnterScope())
        {
            var current = Store.Get(type.StorageKey, ns, name) ?? throw KubeErrors.NotFound(type, name);
            var result = DeleteLocked(type, current, options);
            Settle();
            return type.Present(result);
        }
    }

    /// <summary>DELETE on a collection: deletes every object the selectors match, returning the list of what was deleted.</summary>
    public IReadOnlyList<JsonObject> DeleteCollection(ResourceType type, WatchFilter filter, DeleteOptions options)
    {
        using (Store.Gate.EnterScope())
        {
            var targets = Store.List(type.StorageKey, filter.Namespace).Where(filter.Matches).ToList();
            var deleted = targets.Select(t => type.Present(DeleteLocked(type, t, options))).ToList();
            Settle();
            return deleted;
        }
    }

    private JsonObject DeleteLocked(ResourceType type, JsonObject current, DeleteOptions options)
    {
        var name = KubeJson.Name(current)!;
        if (options.Uid is { } uid && uid != KubeJson.Uid(current))
        {
            throw KubeErrors.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {KubeJson.Uid(current)}");
        }

        if (options.ResourceVersion is { } rv && rv != KubeJson.GetString(current, "metadata", "resourceVersion"))
        {
            throw KubeErrors.Conflict(type, name,
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {KubeJson.GetString(current, "metadata", "resourceVersion")}");
        }

        if (options.DryRun)
        {
            return current;
        }

        var policy = options.PropagationPolicy ?? "Background";
        if (policy == "Orphan")
        {
            OrphanDependents(KubeJson.Uid(current)!);
        }

        var foreground = policy == "Foreground";
        if (KubeJson.Finalizers(current).Count == 0 && !foreground && !IsTerminatingContainer(type))
        {
            return RemoveLocked(type, current);
        }

        if (KubeJson.IsDeleting(current))
        {
            return current;
        }

        var next = KubeJson.Clone(current);
        var meta = KubeJson.Metadata(next);
        meta["deletionTimestamp"] = Now;
        meta["deletionGracePeriodSeconds"] = 0;
        if (type.TracksGeneration)
        {
            meta["generation"] = KubeJson.GetLong(meta["generation"]) + 1;
        }

        if (foreground)
        {
            Admission.AddFinalizer(next, ForegroundFinalizer);
        }

        if (IsTerminatingContainer(type))
        {
            next["status"] = new JsonObject { ["phase"] = "Terminating" };
        }

        var saved = Store.Save(type.StorageKey, next, current);
        AfterSave(type, saved);
        return saved;
    }

    private JsonObject RemoveLocked(ResourceType type, JsonObject current)
    {
        var final = Store.Remove(type.StorageKey, current);
        _work.Enqueue(new Work(WorkKind.CollectDependents, KubeJson.Uid(current)!));
        if (type.StorageKey == BuiltInResources.CustomResourceDefinitions.StorageKey)
        {
            Registry.RemoveCustom(KubeJson.Name(current)!);
        }

        if (KubeJson.Namespace(current) is { } ns)
        {
            _work.Enqueue(new Work(WorkKind.FinishNamespace, ns));
        }

        if (type.CrdName is { } crd)
        {
            _work.Enqueue(new Work(WorkKind.FinishCrd, crd));
        }

        foreach (var owner in OwnerUids(current))
        {
            _work.Enqueue(new Work(WorkKind.FinishForeground, owner));
        }

        return final;
    }

    /// <summary>Keeps the registry and the controllers in step with what was just stored.</summary>
    private void AfterSave(ResourceType type, JsonObject saved)
    {
        var deleting = KubeJson.IsDeleting(saved);
        if (type.StorageKey == BuiltInResources.CustomResourceDefinitions.StorageKey)
        {
            if (deleting)
            {
                _work.Enqueue(new Work(WorkKind.FinishCrd, KubeJson.Name(saved)!));
            }
            else
            {
                Registry.ReplaceCustom(KubeJson.Name(saved)!, CrdTypes.Parse(saved));
            }
        }
        else if (deleting && IsTerminatingContainer(type))
        {
            _work.Enqueue(new Work(WorkKind.FinishNamespace, KubeJson.Name(saved)!));
        }

        if (deleting && KubeJson.Finalizers(saved).Contains(ForegroundFinalizer))
        {
            _work.Enqueue(new Work(WorkKind.FinishForeground, KubeJson.Uid(saved)!));
        }

        if (!deleting && OwnerUids(saved).Any())
        {
            _work.Enqueue(new Work(WorkKind.CheckOwners, KubeJson.Uid(saved)!));
        }
    }

    private static bool IsTerminatingContainer(ResourceType type) => type.StorageKey == BuiltInResources.Namespaces.StorageKey;

    private static IEnumerable<string> OwnerUids(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? [])
        .Select(r => KubeJson.GetString(r, "uid"))
        .OfType<string>();

    private void OrphanDependents(string uid)
    {
        foreach (var (key, dependent) in Store.All().Where(d => OwnerUids(d.Object).Contains(uid)).ToList())
        {
            var next = KubeJson.Clone(dependent);
            RemoveOwnerReference(next, uid);
            Store.Save(key, next, dependent);
        }
    }

    private static void RemoveOwnerReference(JsonObject obj, string uid)
    {
        var meta = KubeJson.Metadata(obj);
        if (meta["ownerReferences"] is JsonArray refs)
        {
            foreach (var reference in refs.Where(r => KubeJson.GetString(r, "uid") == uid).ToList())
            {
                refs.Remove(reference);
            }

            if (refs.Count == 0)
            {
                meta.Remove("ownerReferences");
            }
        }
    }
}
