using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Kubernetes.Storage;

/// <summary>One served resource: a group/version/plural, what kind it holds and the rules it follows.</summary>
internal sealed record ResourceType
{
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required string Kind { get; init; }

    public required bool Namespaced { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Whether <c>/status</c> is a separate subresource (then the main resource ignores status changes).</summary>
    public bool HasStatusSubresource { get; init; }

    /// <summary>Whether <c>metadata.generation</c> is maintained (custom resources and CRDs).</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>Whether a PUT without <c>metadata.resourceVersion</c> is accepted (custom resources refuse it).</summary>
    public bool AllowUnconditionalUpdate { get; init; } = true;

    /// <summary>Whether a PUT of an absent object creates it.</summary>
    public bool AllowCreateOnUpdate { get; init; }

    /// <summary>Whether strategic merge patches are accepted (built-in types only).</summary>
    public bool AcceptsStrategicMerge { get; init; }

    /// <summary>The columns of <c>kubectl get</c> after NAME.</summary>
    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];

    /// <summary>Field selector paths accepted besides <c>metadata.name</c> and <c>metadata.namespace</c>.</summary>
    public IReadOnlyList<string> SelectableFields { get; init; } = [];

    /// <summary>The CRD schema of this version, for custom resources.</summary>
    public CustomResourceSchema? Schema { get; init; }

    /// <summary>The CRD that serves this resource, for custom resources.</summary>
    public string? CrdName { get; init; }

    /// <summary>For a resource stored in another group's shape (events.k8s.io Events are core Events in storage): how
    /// an object turns into the stored shape and back. Null when only <c>apiVersion</c> differs between versions.</summary>
    public StorageConversion? Conversion { get; init; }

    /// <summary>Field selector names of this version that read another path of the stored object (<c>regarding.name</c> is <c>involvedObject.name</c>).</summary>
    public IReadOnlyDictionary<string, string> FieldLabels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Objects of every version of one resource share storage under this key (by default <c>plural.group</c>).</summary>
    public string StorageKey
    {
        get => _storageKey ?? QualifiedResource;
        init => _storageKey = value;
    }

    /// <summary><c>trainingruns.loratrainer.io</c>, as NotFound and Conflict messages name the resource.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary><c>TrainingRun.loratrainer.io</c>, as Invalid messages name the kind.</summary>
    public string QualifiedKind => Group.Length == 0 ? Kind : $"{Kind}.{Group}";

    public string ListKind => Kind + "List";

    public bool IsCustom => CrdName is not null;

    public bool Matches(string apiVersion, string kind) => ApiVersion == apiVersion && Kind == kind;

    /// <summary>The object as a client of this version sees it (versions of a CRD differ only in <c>apiVersion</c>).</summary>
    public JsonObject Present(JsonObject stored)
    {
        if (KubeJson.GetString(stored, "apiVersion") == ApiVersion)
        {
            return stored;
        }

        if (Conversion is not null)
        {
            return Conversion.FromStorage(stored);
        }

        var copy = KubeJson.Clone(stored);
        copy["apiVersion"] = ApiVersion;
        return copy;
    }

    /// <summary>The object in the shape it is stored in (itself unless <see cref="Conversion"/> says otherwise).</summary>
    public JsonObject ToStorage(JsonObject obj) => Conversion is null ? obj : Conversion.ToStorage(obj);

    private readonly string? _storageKey;
}

/// <summary>Converts objects of one resource version to and from the shape of the version they are stored as.</summary>
/// <param name="ToStorage">This version's object in the stored shape.</param>
/// <param name="FromStorage">A stored object in this version's shape.</param>
internal sealed record StorageConversion(Func<JsonObject, JsonObject> ToStorage, Func<JsonObject, JsonObject> FromStorage);

/// <summary>A <c>kubectl get</c> column, from a CRD's additionalPrinterColumns or a built-in table.</summary>
/// <param name="Name">The column header.</param>
/// <param name="Type">integer, number, string, boolean or date.</param>
/// <param name="JsonPath">A simple JSONPath such as <c>.status.phase</c>.</param>
/// <param name="Format">The OpenAPI format hint, often empty.</param>
/// <param name="Description">Shown by <c>kubectl explain</c>-like tools.</param>
/// <param name="Priority">0 for the default view, more for <c>-o wide</c>.</param>
/// <param name="Compute">Computes the cell instead of the path (built-in columns such as DATA).</param>
internal sealed record PrinterColumn(
    string Name,
    string Type,
    string JsonPath,
    string Format = "",
    string Description = "",
    int Priority = 0,
    Func<JsonObject, JsonNode?>? Compute = null);
