using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Watch;

/// <summary>Which objects a watch or list sees: a namespace and the label and field selectors.</summary>
internal sealed record WatchFilter(string? Namespace, Func<JsonObject, bool>? Selector)
{
    public static WatchFilter Everything { get; } = new(null, null);

    public bool Matches(JsonObject obj) =>
        (Namespace is null || KubeJson.Namespace(obj) == Namespace) && (Selector is null || Selector(obj));
}
