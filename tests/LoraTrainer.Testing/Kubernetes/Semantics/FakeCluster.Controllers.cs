using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

internal sealed partial class FakeCluster
{
    private readonly Queue<Work> _work = new();

    /// <summary>Runs the control-plane controllers until nothing is left to do: garbage collection of dependents,
    /// foreground deletion, namespace termination and CRD instance cleanup.</summary>
    private void Settle()
    {
        while (_work.TryDequeue(out var work))
        {
            switch (work.Kind)
            {
                case WorkKind.CollectDependents:
                    CollectDependents(work.Key);
                    break;
                case WorkKind.FinishNamespace:
                    FinishNamespace(work.Key);
                    break;
                case WorkKind.FinishCrd:
                    FinishCrd(work.Key);
                    break;
                case WorkKind.FinishForeground:
                    FinishForeground(work.Key);
                    break;
                case WorkKind.CheckOwners:
                    CheckOwners(work.Key);
                    break;
            }
        }
    }

    /// <summary>The garbage collector: an object whose owners are all gone is deleted; one with a surviving owner only loses the reference.</summary>
    private void CollectDependents(string ownerUid)
    {
        var dependents = Store.All().Where(d => OwnerUids(d.Object).Contains(ownerUid)).ToList();
        if (dependents.Count == 0)
        {
            return;
        }

        var liveUids = Store.All().Select(o => KubeJson.Uid(o.Object)).ToHashSet();
        foreach (var (key, dependent) in dependents)
        {
            var type = Registry.FindByStorageKey(key);
            if (type is null || KubeJson.IsDeleting(dependent))
            {
                continue;
            }

            if (OwnerUids(dependent).Any(liveUids.Contains))
            {
                var next = KubeJson.Clone(dependent);
                RemoveOwnerReference(next, ownerUid);
                Store.Save(key, next, dependent);
            }
            else
            {
                DeleteLocked(type, dependent, DeleteOptions.Default);
            }
        }
    }

    /// <summary>The garbage collector on a dependent's side: owner references to objects that do not exist (never did, or
    /// are gone) are dangling; a dependent whose owners are all missing is deleted, one with a live owner loses the dangling references.</summary>
    private void CheckOwners(string dependentUid)
    {
        if (Store.FindByUid(dependentUid) is not { } found || KubeJson.IsDeleting(found.Object) ||
            Registry.FindByStorageKey(found.StorageKey) is not { } type)
        {
            return;
        }

        var (key, dependent) = found;

        var owners = OwnerUids(dependent).ToList();
        var missing = owners.Where(uid => Store.FindByUid(uid) is null).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        if (missing.Count == owners.Count)
        {
            DeleteLocked(type, dependent, DeleteOptions.Default);
            return;
        }

        var next = KubeJson.Clone(dependent);
        foreach (var uid in missing)
        {
            RemoveOwnerReference(next, uid);
        }

        Store.Save(key, next, dependent);
    }

    /// <summary>The namespace controller: deletes everything in a terminating namespace, then the namespace.</summary>
    private void FinishNamespace(string ns)
    {
        var namespaces = BuiltInResources.Namespaces;
        var namespaceObject = Store.Get(namespaces.StorageKey, null, ns);
        if (namespaceObject is null || !KubeJson.IsDeleting(namespaceObject))
        {
            return;
        }

        var contents = Store.All().Where(o => KubeJson.Namespace(o.Object) == ns).ToList();
        foreach (var (key, obj) in contents.Where(o => !KubeJson.IsDeleting(o.Object)))
        {
            if (Registry.FindByStorageKey(key) is { } type)
            {
                DeleteLocked(type, obj, DeleteOptions.Default);
            }
        }

        if (!Store.All().Any(o => KubeJson.Namespace(o.Object) == ns) && KubeJson.Finalizers(namespaceObject).Count == 0)
        {
            var finalized = KubeJson.Clone(namespaceObject);
            finalized["spec"] = new JsonObject();
            RemoveLocked(namespaces, finalized);
        }
    }

    /// <summary>The CRD cleanup controller: deletes the instances of a deleted CRD, then lets the CRD go.</summary>
    private void FinishCrd(string crdName)
    {
        var crds = BuiltInResources.CustomResourceDefinitions;
        var crd = Store.Get(crds.StorageKey, null, crdName);
        if (crd is null || !KubeJson.IsDeleting(crd))
        {
            return;
        }

        var type = Registry.All.FirstOrDefault(t => t.CrdName == crdName);
        var instances = type is null ? [] : Store.List(type.StorageKey).ToList();
        foreach (var instance in instances.Where(i => !KubeJson.IsDeleting(i)))
        {
            DeleteLocked(type!, instance, DeleteOptions.Default);
        }

        if (type is null || !Store.List(type.StorageKey).Any())
        {
            ReleaseFinalizer(crds, crd, Admission.CrdCleanupFinalizer);
        }
    }

    /// <summary>Foreground deletion: the owner waits, with the <c>foregroundDeletion</c> finalizer, until its dependents are gone.</summary>
    private void FinishForeground(string ownerUid)
    {
        var owner = Store.All().FirstOrDefault(o => KubeJson.Uid(o.Object) == ownerUid);
        if (owner.Object is null || !KubeJson.Finalizers(owner.Object).Contains(ForegroundFinalizer) ||
            Registry.FindByStorageKey(owner.StorageKey) is not { } ownerType)
        {
            return;
        }

        var dependents = Store.All().Where(d => OwnerUids(d.Object).Contains(ownerUid)).ToList();
        foreach (var (key, dependent) in dependents.Where(d => !KubeJson.IsDeleting(d.Object)))
        {
            if (Registry.FindByStorageKey(key) is { } type)
            {
                DeleteLocked(type, dependent, DeleteOptions.Default);
            }
        }

        if (!Store.All().Any(d => OwnerUids(d.Object).Contains(ownerUid)))
        {
            ReleaseFinalizer(ownerType, owner.Object, ForegroundFinalizer);
        }
    }

    private void ReleaseFinalizer(ResourceType type, JsonObject obj, string finalizer)
    {
        var next = KubeJson.Clone(obj);
        Admission.RemoveFinalizer(next, finalizer);
        if (KubeJson.Finalizers(next).Count == 0)
        {
            RemoveLocked(type, next);
        }
        else if (KubeJson.Finalizers(next).Count != KubeJson.Finalizers(obj).Count)
        {
            Store.Save(type.StorageKey, next, obj);
        }
    }

    private enum WorkKind
    {
        CollectDependents,
        FinishNamespace,
        FinishCrd,
        FinishForeground,
        CheckOwners,
    }

    private readonly record struct Work(WorkKind Kind, string Key);
}
