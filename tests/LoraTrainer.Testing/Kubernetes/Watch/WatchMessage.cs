using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Watch;

/// <summary>A change committed to storage, kept in history so that watches can replay it.</summary>
/// <param name="Type">ADDED, MODIFIED or DELETED.</param>
/// <param name="Revision">The global resourceVersion of the change.</param>
/// <param name="Object">The object after the change (for DELETED: its last state, at the deletion revision).</param>
/// <param name="Previous">The object before the change, for selector transitions.</param>
internal sealed record StoredEvent(string Type, long Revision, JsonObject Object, JsonObject? Previous);

/// <summary>One line of a watch stream: <c>{"type": ..., "object": ...}</c>.</summary>
internal readonly record struct WatchMessage(string Type, JsonObject Object)
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";

    public bool EndsStream => Type == Error;
}
