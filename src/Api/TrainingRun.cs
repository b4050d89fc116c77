using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace LoraTrainer.Api;

/// <summary>A request to train one LoRA on a rented GPU, and the story of how that went.</summary>
/// <remarks>
/// The operator owns <see cref="Status"/>; users own <see cref="Spec"/>. The status mirrors the
/// training state machine so that <c>kubectl get trainingruns</c> tells the whole story.
/// </remarks>
[KubernetesEntity(Group = Group, ApiVersion = Version, Kind = KindName, PluralName = Plural)]
public sealed class TrainingRun : IKubernetesObject<V1ObjectMeta>, ISpec<TrainingRunSpec>, IStatus<TrainingRunStatus?>
{
    /// <summary>The API group of the resource.</summary>
    public const string Group = "loratrainer.io";

    /// <summary>The API version served and stored.</summary>
    public const string Version = "v1alpha1";

    /// <summary>The kind.</summary>
    public const string KindName = "TrainingRun";

    /// <summary>The plural resource name used in URLs.</summary>
    public const string Plural = "trainingruns";

    /// <summary>The singular resource name.</summary>
    public const string Singular = "trainingrun";

    /// <summary>The short name accepted by kubectl.</summary>
    public const string ShortName = "tr";

    /// <summary><c>group/version</c>, as written in <c>apiVersion</c>.</summary>
    public const string ApiVersionString = Group + "/" + Version;

    /// <summary>The finalizer that guarantees the GPU instance is released before the run disappears.</summary>
    public const string ReleaseFinalizer = "loratrainer.io/release-gpu";

    /// <inheritdoc />
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiVersionString;

    /// <inheritdoc />
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("spec")]
    public TrainingRunSpec Spec { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("status")]
    public TrainingRunStatus? Status { get; set; }
}

/// <summary>A page of <see cref="TrainingRun"/> objects as returned by LIST.</summary>
public sealed class TrainingRunList : IKubernetesObject<V1ListMeta>, IItems<TrainingRun>
{
    /// <inheritdoc />
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = TrainingRun.ApiVersionString;

    /// <inheritdoc />
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = TrainingRun.KindName + "List";

    /// <inheritdoc />
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    /// <inheritdoc />
    [JsonPropertyName("items")]
    public IList<TrainingRun> Items { get; set; } = [];
}
