using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.FieldManagement;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

internal sealed partial class FakeCluster
{
    private static readonly string[] ServerOwnedMetadata =
        ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "name", "namespace", "selfLink"];

    /// <summary>PUT or PATCH of an object or its <c>/status</c>: <paramref name="change"/> turns the current object into the desired one.</summary>
    /// <remarks>
    /// The rules of kube-apiserver's update strategies: a stale <c>resourceVersion</c> is a 409; with a status
    /// subresource the main resource cannot change status and <c>/status</c> can change nothing else; generation moves
    /// only when something outside metadata and status changed; an update that changes nothing keeps the
    /// resourceVersion and sends no event; removing the last finalizer of a deleted object completes its deletion.
    /// </remarks>
    public WriteResult Update(ResourceType type, string? ns, string name, bool status, Func<JsonObject, JsonObject> change, WriteOptions options, bool isPut)
    {
        using (Store.Gate.EnterScope())
        {
            var current = Store.Get(type.StorageKey, ns, name);
            if (current is null)
            {
                if (isPut && !status && type.AllowCreateOnUpdate)
                {
                    var created = CreateLocked(type, ns, change(new JsonObject()), options);
                    Settle();
                    return created with { Object = type.Present(created.Object) };
                }

                throw KubeErrors.NotFound(type, name);
            }

            var result = UpdateLocked(type, current, status, change(type.Present(KubeJson.Clone(current))), options, isPut);
            Settle();
            return result with { Object = type.Present(result.Object) };
        }
    }

    /// <param name="applied">A server-side apply: <paramref name="desired"/> already carries the managedFields it decided.</param>
    private WriteResult UpdateLocked(ResourceType type, JsonObject current, bool status, JsonObject desired, WriteOptions options, bool isPut, bool applied = false)
    {
        var name = KubeJson.Name(current)!;
        CheckKind(type, desired);
        CheckIdentity(type, current, desired);
        if (!options.Seed)
        {
            CheckResourceVersion(type, current, desired, isPut);
        }

        CheckDecodable(type, desired);
        desired = type.ToStorage(desired);
        var next = status || options.Seed ? MergeStatus(current, desired, options.Seed) : MergeMain(type, current, desired);
        if (ObjectMetaRules.ValidateLabels(next).ToList() is { Count: > 0 } labelErrors)
        {
            throw KubeErrors.Invalid(type, name, labelErrors);
        }

        CheckFinalizers(type, current, next);
        var warnings = Admission.Admit(type, next, current, options, Now);
        if (applied)
        {
            KubeJson.Metadata(next)["managedFields"] = desired["metadata"]?["managedFields"]?.DeepClone();
        }
        else if (!options.Seed)
        {
            FieldOwnership.RecordUpdate(type, current, next, status, options.FieldManager, Now);
        }

        FieldOwnership.KeepTimesOfNoOp(current, next);

        var meta = KubeJson.Metadata(next);
        meta["resourceVersion"] = current["metadata"]!["resourceVersion"]!.DeepClone();
        if (type.TracksGeneration && SpecChanged(type, current, next))
        {
            meta["generation"] = KubeJson.GetLong(current["metadata"]?["generation"]) + 1;
        }

        if (JsonNode.DeepEquals(next, current))
        {
            return new WriteResult(current, false, warnings);
        }

        if (options.DryRun)
        {
            return new WriteResult(next, false, warnings);
        }

        if (KubeJson.IsDeleting(next) && KubeJson.Finalizers(next).Count == 0 && !IsTerminatingContainer(type))
        {
            return new WriteResult(RemoveLocked(type, next), false, warnings);
        }

        var saved = Store.Save(type.StorageKey, next, current);
        AfterSave(type, saved);
        return new WriteResult(saved, false, warnings);
    }

    private static void CheckIdentity(ResourceType type, JsonObject current, JsonObject desired)
    {
        var name = KubeJson.Name(current)!;
        var desiredName = KubeJson.Name(desired);
        if (!string.IsNullOrEmpty(desiredName) && desiredName != name)
        {
            throw KubeErrors.BadRequest($"the name of the object ({desiredName}) does not match the name on the URL ({name})");
        }

        var desiredNamespace = KubeJson.Namespace(desired);
        if (type.Namespaced && !string.IsNullOrEmpty(desiredNamespace) && desiredNamespace != KubeJson.Namespace(current))
        {
            throw KubeErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
    }

    private static void CheckResourceVersion(ResourceType type, JsonObject current, JsonObject desired, bool isPut)
    {
        var wanted = KubeJson.GetString(desired, "metadata", "resourceVersion");
        if (string.IsNullOrEmpty(wanted))
        {
            if (isPut && !type.AllowUnconditionalUpdate)
            {
                throw KubeErrors.Invalid(type, KubeJson.Name(current)!,
                    [FieldError.Invalid("metadata.resourceVersion", "0x0", "must be specified for an update")]);
            }

            return;
        }

        if (wanted != KubeJson.GetString(current, "metadata", "resourceVersion"))
        {
            throw KubeErrors.Conflict(type, KubeJson.Name(current)!);
        }
    }

    /// <summary>The main resource: client metadata and spec, server-owned metadata kept, status kept if it is a subresource.</summary>
    private static JsonObject MergeMain(ResourceType type, JsonObject current, JsonObject desired)
    {
        var next = KubeJson.Clone(desired);
        var meta = KubeJson.Metadata(next);
        var currentMeta = (JsonObject)current["metadata"]!;
        foreach (var field in ServerOwnedMetadata)
        {
            meta.Remove(field);
            if (currentMeta[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
        }

        if (type.HasStatusSubresource)
        {
            next.Remove("status");
            if (current["status"] is { } currentStatus)
            {
                next["status"] = currentStatus.DeepClone();
            }
        }

        return next;
    }

    /// <summary>The status subresource: everything from the current object except the status (a seed replaces all).</summary>
    private static JsonObject MergeStatus(JsonObject current, JsonObject desired, bool seed)
    {
        if (seed)
        {
            var replaced = KubeJson.Clone(desired);
            var meta = KubeJson.Metadata(replaced);
            foreach (var field in (string[])["uid", "creationTimestamp", "name", "namespace", "generation"])
            {
                meta[field] = current["metadata"]![field]?.DeepClone();
            }

            return replaced;
        }

        var next = KubeJson.Clone(current);
        next.Remove("status");
        if (desired["status"] is { } status)
        {
            next["status"] = status.DeepClone();
        }

        return next;
    }

    private static void CheckFinalizers(ResourceType type, JsonObject current, JsonObject next)
    {
        if (!KubeJson.IsDeleting(current))
        {
            return;
        }

        var added = KubeJson.Finalizers(next).Except(KubeJson.Finalizers(current)).ToList();
        if (added.Count > 0)
        {
            var list = string.Join(", ", added.Select(f => $"\"{f}\""));
            throw KubeErrors.Invalid(type, KubeJson.Name(current)!,
                [FieldError.Forbidden("metadata.finalizers", $"no new finalizers can be added if the object is being deleted, found new finalizers []string{{{list}}}")]);
        }
    }

    private static bool SpecChanged(ResourceType type, JsonObject current, JsonObject next)
    {
        static JsonObject Strip(JsonObject obj, bool withoutStatus)
        {
            var copy = KubeJson.Clone(obj);
            copy.Remove("metadata");
            if (withoutStatus)
            {
                copy.Remove("status");
            }

            return copy;
        }

        return !JsonNode.DeepEquals(Strip(current, type.HasStatusSubresource), Strip(next, type.HasStatusSubresource));
    }
}
