using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

/// <summary>How a write was asked for: <c>dryRun</c>, <c>fieldValidation</c>, its field manager, and whether it is a test seed.</summary>
/// <param name="DryRun">Run every check but store nothing (<c>dryRun=All</c>).</param>
/// <param name="FieldValidation">What to do with fields the schema does not declare.</param>
/// <param name="Seed">A test kit seed: the status is kept, a missing namespace is created, and no field manager is recorded.</param>
/// <param name="FieldManager">The manager recorded in <c>metadata.managedFields</c> for the fields this write changes.</param>
internal sealed record WriteOptions(bool DryRun = false, FieldValidation FieldValidation = FieldValidation.Warn, bool Seed = false, string FieldManager = "")
{
    public static WriteOptions Default { get; } = new();
}

/// <summary>The <c>fieldValidation</c> query parameter: Ignore drops unknown fields silently, Warn drops them with a warning, Strict refuses the request.</summary>
internal enum FieldValidation
{
    Ignore,
    Warn,
    Strict,
}

/// <summary>How a DELETE treats the object's dependents and which preconditions it checks.</summary>
/// <param name="PropagationPolicy">Background (default), Foreground or Orphan.</param>
/// <param name="Uid">Delete only if the object still has this uid.</param>
/// <param name="ResourceVersion">Delete only if the object is still at this resourceVersion.</param>
/// <param name="DryRun">Check but delete nothing.</param>
internal sealed record DeleteOptions(string? PropagationPolicy = null, string? Uid = null, string? ResourceVersion = null, bool DryRun = false)
{
    public static DeleteOptions Default { get; } = new();

    public static DeleteOptions From(JsonNode? body, bool dryRun) => new(
        KubeJson.GetString(body, "propagationPolicy") ?? (body?["orphanDependents"]?.GetValueKind() == System.Text.Json.JsonValueKind.True ? "Orphan" : null),
        KubeJson.GetString(body, "preconditions", "uid"),
        KubeJson.GetString(body, "preconditions", "resourceVersion"),
        dryRun || body?["dryRun"] is JsonArray { Count: > 0 });
}

/// <summary>The outcome of a write: the object as stored (or as it would be, for a dry run) and any warnings.</summary>
internal sealed record WriteResult(JsonObject Object, bool Created, IReadOnlyList<string> Warnings);

/// <summary>One page of a LIST.</summary>
internal sealed record ListPage(IReadOnlyList<JsonObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
