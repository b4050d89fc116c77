using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.FieldManagement;

/// <summary>Server-side apply's field management: who owns which field of an object, kept in <c>metadata.managedFields</c>.</summary>
/// <remarks>
/// As the Kubernetes documentation describes it: every write records its manager. An Update (create, PUT, merge, JSON
/// or strategic patch) never conflicts; the fields it changes move to its manager. An Apply owns exactly the fields its
/// configuration declares; changing a field another manager owns is a 409 Conflict unless forced (then the field moves
/// to the applier); fields the applier declared before and no longer declares are removed unless someone else owns them.
/// </remarks>
internal static class FieldOwnership
{
    /// <summary>Records an Update by <paramref name="manager"/> that turns <paramref name="current"/> (null on create) into <paramref name="next"/>.</summary>
    public static void RecordUpdate(ResourceType type, JsonObject? current, JsonObject next, bool status, string manager, string now)
    {
        // A client may rewrite managedFields itself (kubectl does, to hand client-side apply's fields to server-side
        // apply); one that leaves them out, or writes /status, keeps the stored ones.
        var entries = ManagedFields.IsSet(next) && !status ? ManagedFields.Read(next) : current is null ? [] : ManagedFields.Read(current);
        var (changed, removed) = FieldMap.Compare(current is null ? FieldMap.Empty : FieldMap.Of(current, type, status), FieldMap.Of(next, type, status));
        foreach (var entry in entries)
        {
            entry.Fields.ExceptWith(changed);
            entry.Fields.ExceptWith(removed);
        }

        if (changed.Count > 0)
        {
            var updater = new ManagedFieldsEntry(manager, ManagedFieldsEntry.Update, type.ApiVersion, now, Subresource(status), changed);
            var previous = entries.Find(updater.SameManager);
            entries.Remove(previous!);
            updater.Fields.UnionWith(previous?.Fields ?? []);
            entries.Add(updater);
        }

        ManagedFields.Write(next, entries);
    }

    /// <summary>Applies <paramref name="config"/> by <paramref name="manager"/> to <paramref name="current"/> (null when absent):
    /// the object to store, its managedFields written.</summary>
    /// <exception cref="KubeApiException">409 when a field another manager owns would change and <paramref name="force"/> is false.</exception>
    public static JsonObject Apply(ResourceType type, JsonObject? current, JsonObject config, bool status, string manager, bool force, string now)
    {
        if (config["metadata"]?["managedFields"] is not null)
        {
            throw KubeErrors.BadRequest("metadata.managedFields must be nil");
        }

        var scoped = Scoped(type, config, status);
        var applier = new ManagedFieldsEntry(manager, ManagedFieldsEntry.Apply, type.ApiVersion, now, Subresource(status), FieldMap.Of(scoped, type, status).Declared);
        if (current is null)
        {
            var created = KubeJson.Clone(scoped);
            ManagedFields.Write(created, [applier]);
            return created;
        }

        var merged = ApplyMerge.Merge(type, current, scoped);
        var (changed, _) = FieldMap.Compare(FieldMap.Of(current, type, status), FieldMap.Of(merged, type, status));
        var entries = ManagedFields.Read(current);
        var previous = entries.Find(applier.SameManager);
        entries.Remove(previous!);
        var conflicts = entries.SelectMany(e => e.Fields.Where(changed.Contains).Select(path => (Entry: e, Path: path))).ToList();
        if (conflicts.Count > 0 && !force)
        {
            throw KubeErrors.ApplyConflict([.. conflicts.Select(c => (c.Entry.Describe(), FieldPath.Display(c.Path)))]);
        }

        foreach (var entry in entries)
        {
            entry.Fields.ExceptWith(changed);
        }

        // A field survives while anyone owns it or something inside it (an Update owns the maps it created as well).
        var kept = entries.Append(applier).SelectMany(e => e.Fields).SelectMany(Ancestry).ToHashSet(StringComparer.Ordinal);
        ApplyMerge.Remove(merged, (previous?.Fields ?? []).Where(p => !kept.Contains(p)));
        ManagedFields.Write(merged, [.. entries, applier]);
        return merged;
    }

    /// <summary>Keeps the stored managedFields when a write changed nothing but their timestamps, so it stays a no-op.</summary>
    public static void KeepTimesOfNoOp(JsonObject current, JsonObject next)
    {
        if (JsonNode.DeepEquals(ManagedFields.WithoutTimes(current), ManagedFields.WithoutTimes(next)) &&
            JsonNode.DeepEquals(WithoutManagedFields(current), WithoutManagedFields(next)))
        {
            KubeJson.Metadata(next)["managedFields"] = current["metadata"]?["managedFields"]?.DeepClone();
            if (next["metadata"]!["managedFields"] is null)
            {
                KubeJson.Metadata(next).Remove("managedFields");
            }
        }
    }

    /// <summary>The manager of a request: its <c>fieldManager</c>, or the User-Agent up to its first slash (<c>kubectl</c>).</summary>
    public static string ManagerOf(string? fieldManager, string? userAgent)
    {
        if (!string.IsNullOrEmpty(fieldManager))
        {
            return fieldManager;
        }

        var prefix = (userAgent ?? "").Split('/')[0];
        return prefix.Length > 128 ? prefix[..128] : prefix;
    }

    private static IEnumerable<string> Ancestry(string path)
    {
        for (var at = path; at.Length > 0; at = FieldPath.Parent(at))
        {
            yield return at;
        }
    }

    private static string? Subresource(bool status) => status ? "status" : null;

    /// <summary>The part of the configuration this write may change (the rest is ignored, as the apiserver resets it).</summary>
    private static JsonObject Scoped(ResourceType type, JsonObject config, bool status)
    {
        var scoped = new JsonObject();
        foreach (var (name, value) in config)
        {
            if (name is "apiVersion" or "kind" or "metadata" || FieldMap.InScope(type, status, name))
            {
                scoped[name] = value?.DeepClone();
            }
        }

        return scoped;
    }

    private static JsonObject WithoutManagedFields(JsonObject obj)
    {
        var copy = KubeJson.Clone(obj);
        KubeJson.Metadata(copy).Remove("managedFields");
        return copy;
    }
}
