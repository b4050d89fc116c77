using System.Text.Json;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Cluster;

namespace LoraTrainer.Testing.Kubernetes;

/// <summary>TrainingRun requests a user makes (<c>kubectl create</c>, <c>kubectl delete</c>), through the client's custom object operations.</summary>
public static class TrainingRunRequests
{
    /// <summary>POSTs <paramref name="run"/> to its namespace and returns it as the server stored it.</summary>
    public static async Task<TrainingRun> CreateAsync(IKubernetes client, TrainingRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(run);
        var created = await client.CustomObjects.CreateNamespacedCustomObjectAsync(run, TrainingRun.Group, TrainingRun.Version, run.Metadata.NamespaceProperty,
            TrainingRun.Plural, cancellationToken: cancellationToken);
        return ClusterJson.Deserialize<TrainingRun>((JsonElement)created);
    }

    /// <summary>DELETEs the run (the server may keep it until its finalizers are removed).</summary>
    public static Task DeleteAsync(IKubernetes client, string @namespace, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.CustomObjects.DeleteNamespacedCustomObjectAsync(TrainingRun.Group, TrainingRun.Version, @namespace, TrainingRun.Plural, name, cancellationToken: cancellationToken);
    }
}
