using System.Collections.Immutable;

namespace LoraTrainer.Testing.Kubernetes.Storage;

/// <summary>The resources currently served: the built-ins plus every version of every established CRD.</summary>
/// <remarks>Readers (discovery, routing) see an immutable snapshot; writers swap it under the store's lock.</remarks>
internal sealed class ResourceRegistry
{
    private volatile Snapshot _snapshot = new([.. BuiltInResources.All], 0);

    /// <summary>Bumped on every change, so discovery and OpenAPI documents can be cached per generation.</summary>
    public long Generation => _snapshot.Generation;

    public ImmutableArray<ResourceType> All => _snapshot.Types;

    public ResourceType? Find(string group, string version, string plural)
    {
        foreach (var type in _snapshot.Types)
        {
            if (type.Plural == plural && type.Version == version && type.Group == group)
            {
                return type;
            }
        }

        return null;
    }

    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        foreach (var type in _snapshot.Types)
        {
            if (type.Matches(apiVersion, kind))
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>Any served version of the resource stored under <paramref name="storageKey"/>.</summary>
    public ResourceType? FindByStorageKey(string storageKey) =>
        _snapshot.Types.FirstOrDefault(t => t.StorageKey == storageKey);

    /// <summary>API groups in discovery order, each with its served versions (preferred first).</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups() =>
        [.. _snapshot.Types.Where(t => t.Group.Length > 0)
            .GroupBy(t => t.Group)
            .Select(g => (g.Key, (IReadOnlyList<string>)[.. g.Select(t => t.Version).Distinct()]))];

    public IReadOnlyList<ResourceType> InGroupVersion(string group, string version) =>
        [.. _snapshot.Types.Where(t => t.Group == group && t.Version == version)];

    /// <summary>Replaces whatever the CRD <paramref name="crdName"/> served with <paramref name="types"/>.</summary>
    public void ReplaceCustom(string crdName, IReadOnlyList<ResourceType> types)
    {
        var current = _snapshot;
        var kept = current.Types.Where(t => t.CrdName != crdName);
        _snapshot = new([.. kept, .. types], current.Generation + 1);
    }

    public void RemoveCustom(string crdName) => ReplaceCustom(crdName, []);

    private sealed record Snapshot(ImmutableArray<ResourceType> Types, long Generation);
}
