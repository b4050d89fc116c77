using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Storage;

/// <summary>The built-in resources the product touches, with the rules and columns kube-apiserver gives them.</summary>
internal static class BuiltInResources
{
    private static readonly PrinterColumn Age = new("Age", "date", ".metadata.creationTimestamp");

    public static readonly ResourceType Namespaces = new()
    {
        Group = "", Version = "v1", Plural = "namespaces", Singular = "namespace", Kind = "Namespace",
        Namespaced = false, ShortNames = ["ns"], HasStatusSubresource = true,
        Columns = [new("Status", "string", ".status.phase"), Age],
        SelectableFields = ["status.phase"],
    };

    public static readonly ResourceType Secrets = new()
    {
        Group = "", Version = "v1", Plural = "secrets", Singular = "secret", Kind = "Secret", Namespaced = true,
        AcceptsStrategicMerge = true,
        Columns = [new("Type", "string", ".type"), new("Data", "integer", "", Compute: CountData), Age],
        SelectableFields = ["type"],
    };

    public static readonly ResourceType ConfigMaps = new()
    {
        Group = "", Version = "v1", Plural = "configmaps", Singular = "configmap", Kind = "ConfigMap", Namespaced = true,
        ShortNames = ["cm"], AcceptsStrategicMerge = true,
        Columns = [new("Data", "integer", "", Compute: CountData), Age],
    };

    public static readonly ResourceType CoreEvents = new()
    {
        Group = "", Version = "v1", Plural = "events", Singular = "event", Kind = "Event", Namespaced = true,
        ShortNames = ["ev"], AcceptsStrategicMerge = true, AllowCreateOnUpdate = true,
        Columns =
        [
            new("Type", "string", ".type"), new("Reason", "string", ".reason"),
            new("Object", "string", "", Compute: o => ObjectRef(o["involvedObject"])),
            new("Message", "string", ".message"),
        ],
        SelectableFields =
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
            "reason", "reportingComponent", "type",
        ],
    };

    public static readonly ResourceType Events = new()
    {
        Group = "events.k8s.io", Version = "v1", Plural = "events", Singular = "event", Kind = "Event",
        Namespaced = true, ShortNames = ["ev"], AcceptsStrategicMerge = true, AllowCreateOnUpdate = true,
        StorageKey = CoreEvents.StorageKey, Conversion = EventShapes.Conversion, FieldLabels = EventShapes.FieldLabels,
        Columns =
        [
            new("Type", "string", ".type"), new("Reason", "string", ".reason"),
            new("Object", "string", "", Compute: o => ObjectRef(o["regarding"])),
            new("Note", "string", ".note"),
        ],
        SelectableFields = ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason", "reportingController", "type"],
    };

    public static readonly ResourceType Leases = new()
    {
        Group = "coordination.k8s.io", Version = "v1", Plural = "leases", Singular = "lease", Kind = "Lease",
        Namespaced = true, AcceptsStrategicMerge = true,
        Columns = [new("Holder", "string", ".spec.holderIdentity"), Age],
    };

    public static readonly ResourceType CustomResourceDefinitions = new()
    {
        Group = "apiextensions.k8s.io", Version = "v1", Plural = "customresourcedefinitions",
        Singular = "customresourcedefinition", Kind = "CustomResourceDefinition", Namespaced = false,
        ShortNames = ["crd", "crds"], Categories = ["api-extensions"], HasStatusSubresource = true,
        TracksGeneration = true, AllowUnconditionalUpdate = false,
        Columns = [new("Created At", "date", ".metadata.creationTimestamp")],
    };

    public static IReadOnlyList<ResourceType> All { get; } =
        [Namespaces, Secrets, ConfigMaps, CoreEvents, Events, Leases, CustomResourceDefinitions];

    private static JsonNode CountData(JsonObject obj) =>
        ((obj["data"] as JsonObject)?.Count ?? 0) + ((obj["binaryData"] as JsonObject)?.Count ?? 0);

    private static JsonNode? ObjectRef(JsonNode? reference) =>
        reference is JsonObject r ? $"{KubeJson.GetString(r, "kind")?.ToLowerInvariant()}/{KubeJson.GetString(r, "name")}" : null;
}
