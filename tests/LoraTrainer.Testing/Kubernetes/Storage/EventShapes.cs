using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Storage;

/// <summary>
/// events.k8s.io/v1 Events and core v1 Events are one resource in kube-apiserver, stored as core Events: the same
/// object is readable, writable and watchable through both APIs, with these fields renamed between them.
/// </summary>
internal static class EventShapes
{
    private static readonly (string EventsName, string CoreName)[] Renamed =
    [
        ("regarding", "involvedObject"),
        ("note", "message"),
        ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"),
        ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ];

    private static readonly Dictionary<string, string> ToCoreNames = Renamed.ToDictionary(r => r.EventsName, r => r.CoreName, StringComparer.Ordinal);
    private static readonly Dictionary<string, string> ToEventsNames = Renamed.ToDictionary(r => r.CoreName, r => r.EventsName, StringComparer.Ordinal);

    public static StorageConversion Conversion { get; } = new(ToCore, ToEvents);

    /// <summary>Field selectors of events.k8s.io/v1 that name a renamed field, mapped to the stored (core) path.</summary>
    public static IReadOnlyDictionary<string, string> FieldLabels { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["regarding.kind"] = "involvedObject.kind",
        ["regarding.namespace"] = "involvedObject.namespace",
        ["regarding.name"] = "involvedObject.name",
        ["regarding.uid"] = "involvedObject.uid",
        ["regarding.apiVersion"] = "involvedObject.apiVersion",
        ["regarding.resourceVersion"] = "involvedObject.resourceVersion",
        ["regarding.fieldPath"] = "involvedObject.fieldPath",
        ["reportingController"] = "reportingComponent",
    };

    /// <summary>An events.k8s.io/v1 Event as the core v1 Event it is stored as.</summary>
    public static JsonObject ToCore(JsonObject events) => Rename(events, ToCoreNames, "v1");

    /// <summary>A stored core v1 Event as events.k8s.io/v1 shows it.</summary>
    public static JsonObject ToEvents(JsonObject core) => Rename(core, ToEventsNames, "events.k8s.io/v1");

    private static JsonObject Rename(JsonObject source, Dictionary<string, string> names, string apiVersion)
    {
        var result = new JsonObject();
        foreach (var (key, value) in source)
        {
            result[key == "apiVersion" ? key : names.GetValueOrDefault(key, key)] = key == "apiVersion" ? apiVersion : value?.DeepClone();
        }

        result["apiVersion"] = apiVersion;
        return result;
    }
}
