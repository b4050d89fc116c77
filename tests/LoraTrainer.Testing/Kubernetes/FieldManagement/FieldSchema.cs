using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.FieldManagement;

/// <summary>How server-side apply merges and tracks one node of an object: the list and map types of its schema.</summary>
/// <remarks>
/// A CRD's schema says it with <c>x-kubernetes-list-type</c> (<c>atomic</c> unless given, <c>set</c> or <c>map</c> keyed by
/// <c>x-kubernetes-list-map-keys</c>) and <c>x-kubernetes-map-type</c> (<c>granular</c> unless <c>atomic</c>). Object
/// metadata follows ObjectMeta's Go tags: labels and annotations are granular maps, finalizers a set, ownerReferences a
/// map keyed by uid. Built-in kinds are served without a schema here, so their lists are atomic.
/// </remarks>
internal sealed class FieldSchema
{
    private static readonly JsonObject MetadataSchema = (JsonObject)JsonNode.Parse("""
        {"properties":{
          "finalizers":{"x-kubernetes-list-type":"set"},
          "ownerReferences":{"x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["uid"]}}}
        """)!;

    private static readonly FieldSchema Unknown = new(null, isRoot: false);

    private readonly JsonObject? _schema;
    private readonly bool _isRoot;

    private FieldSchema(JsonObject? schema, bool isRoot)
    {
        _schema = schema;
        _isRoot = isRoot;
    }

    public static FieldSchema Root(ResourceType type) => new(type.Schema?.OpenApiV3Schema, isRoot: true);

    public bool IsAtomicMap => _schema?["x-kubernetes-map-type"]?.GetValue<string>() == "atomic";

    /// <summary><c>atomic</c>, <c>set</c> or <c>map</c>.</summary>
    public string ListType => _schema?["x-kubernetes-list-type"]?.GetValue<string>() ?? "atomic";

    public IReadOnlyList<string> MapKeys =>
        _schema?["x-kubernetes-list-map-keys"] is JsonArray keys ? [.. keys.Select(k => k!.GetValue<string>())] : [];

    public FieldSchema Items => _schema?["items"] is JsonObject items ? new(items, false) : Unknown;

    public FieldSchema Child(string name)
    {
        if (_isRoot && name == "metadata")
        {
            return new(MetadataSchema, false);
        }

        var child = _schema?["properties"]?[name] as JsonObject ?? _schema?["additionalProperties"] as JsonObject;
        return child is null ? Unknown : new(child, false);
    }
}
