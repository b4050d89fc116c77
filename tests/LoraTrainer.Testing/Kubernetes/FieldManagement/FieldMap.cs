using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.FieldManagement;

/// <summary>Every field of an object a manager can own, by <see cref="FieldPath"/>: leaves with their values, and the
/// maps, lists and list items that hold them.</summary>
/// <remarks>
/// Only the part a write may change counts: with a status subresource the main resource never owns <c>status</c> and
/// <c>/status</c> owns nothing else. <c>apiVersion</c>, <c>kind</c> and the metadata the server sets (name, uid,
/// resourceVersion, managedFields…) are never owned, as in kube-apiserver.
/// </remarks>
internal sealed class FieldMap
{
    private static readonly HashSet<string> UnownedMetadata =
    [
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "managedFields", "selfLink",
    ];

    private FieldMap()
    {
    }

    public static FieldMap Empty { get; } = new();

    /// <summary>Scalars, atomic lists and maps, and items of set lists, with their values.</summary>
    public Dictionary<string, JsonNode?> Leaves { get; } = new(StringComparer.Ordinal);

    /// <summary>Items of associative lists (<c>k:</c>): owned themselves, and holding fields.</summary>
    public HashSet<string> Items { get; } = new(StringComparer.Ordinal);

    /// <summary>Granular maps and non-atomic lists: owned only by the write that created them.</summary>
    public HashSet<string> Containers { get; } = new(StringComparer.Ordinal);

    /// <summary>What an applied configuration declares: its leaves and list items, never the maps around them.</summary>
    public HashSet<string> Declared => [.. Leaves.Keys, .. Items];

    public IEnumerable<string> All => Leaves.Keys.Concat(Items).Concat(Containers);

    /// <param name="obj">The object.</param>
    /// <param name="type">Its resource type, for the schema and whether status is a subresource.</param>
    /// <param name="status">Whether the write is to <c>/status</c>.</param>
    public static FieldMap Of(JsonObject obj, ResourceType type, bool status)
    {
        var map = new FieldMap();
        var root = FieldSchema.Root(type);
        foreach (var (name, value) in obj)
        {
            if (name is "apiVersion" or "kind" || !InScope(type, status, name))
            {
                continue;
            }

            if (name == "metadata" && value is JsonObject metadata)
            {
                var schema = root.Child(name);
                foreach (var (field, fieldValue) in metadata.Where(m => !UnownedMetadata.Contains(m.Key)))
                {
                    map.Walk(fieldValue, schema.Child(field), FieldPath.Field(FieldPath.Field("", name), field));
                }

                continue;
            }

            map.Walk(value, root.Child(name), FieldPath.Field("", name));
        }

        return map;
    }

    /// <summary>Whether a top-level field belongs to the part of the object this write may change.</summary>
    public static bool InScope(ResourceType type, bool status, string name) =>
        !type.HasStatusSubresource ? !status : status == (name == "status");

    /// <summary>What changed from <paramref name="before"/> to <paramref name="after"/>: fields set or given another value, and fields removed.</summary>
    public static (HashSet<string> Changed, HashSet<string> Removed) Compare(FieldMap before, FieldMap after)
    {
        var beforeAll = before.All.ToHashSet(StringComparer.Ordinal);
        var afterAll = after.All.ToHashSet(StringComparer.Ordinal);
        var changed = afterAll.Where(p => !beforeAll.Contains(p)).ToHashSet(StringComparer.Ordinal);
        foreach (var (path, value) in after.Leaves)
        {
            if (beforeAll.Contains(path) && !(before.Leaves.TryGetValue(path, out var old) && JsonNode.DeepEquals(old, value)))
            {
                changed.Add(path);
            }
        }

        foreach (var path in before.Leaves.Keys.Where(p => afterAll.Contains(p) && !after.Leaves.ContainsKey(p)))
        {
            changed.Add(path);
        }

        var removed = beforeAll.Where(p => !afterAll.Contains(p)).ToHashSet(StringComparer.Ordinal);
        return (changed, removed);
    }

    private void Walk(JsonNode? value, FieldSchema schema, string path)
    {
        switch (value)
        {
            case JsonObject map when !schema.IsAtomicMap:
                Containers.Add(path);
                foreach (var (name, child) in map)
                {
                    Walk(child, schema.Child(name), FieldPath.Field(path, name));
                }

                break;
            case JsonArray set when schema.ListType == "set":
                Containers.Add(path);
                foreach (var item in set)
                {
                    Leaves[FieldPath.Value(path, item)] = item;
                }

                break;
            case JsonArray list when schema.ListType == "map" && schema.MapKeys is { Count: > 0 } keys && list.All(i => i is JsonObject):
                Containers.Add(path);
                foreach (var item in list.Cast<JsonObject>())
                {
                    var itemPath = FieldPath.Key(path, item, keys);
                    Items.Add(itemPath);
                    foreach (var (name, child) in item)
                    {
                        Walk(child, schema.Items.Child(name), FieldPath.Field(itemPath, name));
                    }
                }

                break;
            default:
                Leaves[path] = value;
                break;
        }
    }
}
