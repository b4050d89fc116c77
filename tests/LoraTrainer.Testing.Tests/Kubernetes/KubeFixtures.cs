using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Testing.Tests.Kubernetes;

/// <summary>Starts fakes with the real TrainingRun CRD and builds TrainingRun manifests for the tests.</summary>
internal static class KubeFixtures
{
    public const string Group = "loratrainer.io";
    public const string RunVersion = "v1alpha1";
    public const string Plural = "trainingruns";
    public const string ApiVersion = Group + "/" + RunVersion;

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A server with config/crds installed.</summary>
    public static async Task<FakeKubeApiServer> StartWithCrdAsync(FakeKubeApiServerOptions? options = null)
    {
        var server = await FakeKubeApiServer.StartAsync(options, Token);
        server.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        return server;
    }

    /// <summary>The minimal sample from config/samples, renamed.</summary>
    public static JsonObject Run(string name, string @namespace = "default", IReadOnlyDictionary<string, string>? labels = null)
    {
        var run = Manifests.Load(RepositoryRoot.Combine("config", "samples", "trainingrun-minimal.yaml")).Single();
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = @namespace };
        if (labels is not null)
        {
            metadata["labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));
        }

        run["metadata"] = metadata;
        return run;
    }

    /// <summary>A watch of the runs in <c>default</c>, its events as the server sends them (ERROR events included).</summary>
    public static IAsyncEnumerable<(string Type, JsonElement Object)> WatchRunsAsync(IKubernetes client, string? resourceVersion, string? labelSelector = null,
        bool bookmarks = false, int? timeoutSeconds = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string> { "watch=true" };
        if (resourceVersion is not null)
        {
            query.Add($"resourceVersion={Uri.EscapeDataString(resourceVersion)}");
        }

        if (labelSelector is not null)
        {
            query.Add($"labelSelector={Uri.EscapeDataString(labelSelector)}");
        }

        if (bookmarks)
        {
            query.Add("allowWatchBookmarks=true");
        }

        if (timeoutSeconds is { } seconds)
        {
            query.Add($"timeoutSeconds={seconds}");
        }

        return KubernetesWatch.ReadAsync(client, $"apis/{Group}/{RunVersion}/namespaces/default/{Plural}?{string.Join('&', query)}", cancellationToken);
    }

    /// <summary>Creates a run through the API and returns it as the server stored it.</summary>
    public static async Task<JsonObject> CreateRunAsync(IKubernetes client, string name, string @namespace = "default", IReadOnlyDictionary<string, string>? labels = null)
    {
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync(Run(name, @namespace, labels), Group, RunVersion, @namespace, Plural, cancellationToken: Token);
        return ToJson(created);
    }

    public static async Task<JsonObject> GetRunAsync(IKubernetes client, string name, string @namespace = "default") =>
        ToJson(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, RunVersion, @namespace, Plural, name, Token));

    public static JsonObject ToJson(object value) => JsonNode.Parse(ClusterJson.Serialize(value))!.AsObject();

    public static string ResourceVersion(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static long Generation(JsonObject obj) => obj["metadata"]!["generation"]!.GetValue<long>();

    public static V1PatchBuilder Patch => new();

    /// <summary>The object's labels as compact JSON in key order.</summary>
    public static string SortedLabels(JsonObject obj) =>
        new JsonObject(obj["metadata"]!["labels"]!.AsObject().OrderBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => KeyValuePair.Create(l.Key, l.Value?.DeepClone()))).ToJsonString();
}

/// <summary>Builds <see cref="k8s.Models.V1Patch"/> bodies from JSON text.</summary>
internal sealed class V1PatchBuilder
{
    public k8s.Models.V1Patch Merge(string json) => new(json, k8s.Models.V1Patch.PatchType.MergePatch);

    public k8s.Models.V1Patch Json(string json) => new(json, k8s.Models.V1Patch.PatchType.JsonPatch);

    public k8s.Models.V1Patch Strategic(string json) => new(json, k8s.Models.V1Patch.PatchType.StrategicMergePatch);

    public k8s.Models.V1Patch Apply(string json) => new(json, k8s.Models.V1Patch.PatchType.ApplyPatch);
}
