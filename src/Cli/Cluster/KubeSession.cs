using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.CommandLine;

namespace LoraTrainer.Cli.Cluster;

/// <summary>
/// The TrainingRuns of one namespace in the cluster the kubeconfig names. Every refusal a user can act on (no cluster,
/// no CRD, RBAC) becomes a <see cref="StartupFailure"/> whose one line says what to do.
/// </summary>
internal sealed class KubeSession(Kubernetes client, string @namespace, string host) : IDisposable
{
    /// <summary>The field manager of everything the plugin writes, so <c>metadata.managedFields</c> tells its fields from others'.</summary>
    public const string FieldManager = "kubectl-lora";

    private readonly CustomResourceClient<TrainingRun> _runs = new(client);

    public string Namespace => @namespace;

    /// <summary>Connects as kubectl would with the same flags.</summary>
    public static KubeSession Connect(string? kubeconfig, string? context, string? @namespace)
    {
        try
        {
            var configuration = KubernetesConnection.LoadConfiguration(kubeconfig, context);
            var resolved = string.IsNullOrEmpty(@namespace) ? configuration.Namespace ?? "default" : @namespace;
            return new KubeSession(new Kubernetes(configuration), resolved, configuration.Host);
        }
        catch (Exception ex) when (KubernetesConnection.ConfigurationProblem(ex) is { } problem)
        {
            throw new StartupFailure(problem);
        }
    }

    /// <summary>The run, or null when there is none of that name.</summary>
    public Task<TrainingRun?> FindAsync(string name, CancellationToken cancellationToken) =>
        Call($"get trainingruns", name, () => _runs.GetAsync(Key(name), cancellationToken));

    /// <summary>The run; a missing one, or a missing CRD, is a one-line failure.</summary>
    public async Task<TrainingRun> GetAsync(string name, CancellationToken cancellationToken)
    {
        if (await FindAsync(name, cancellationToken) is { } run)
        {
            return run;
        }

        // A GET answers 404 alike for a missing run and a missing resource type; a LIST of the type tells them apart.
        await Call("list trainingruns", null, () => client.CustomObjects.ListNamespacedCustomObjectAsync(TrainingRun.Group, TrainingRun.Version, @namespace,
            TrainingRun.Plural, limit: 1, cancellationToken: cancellationToken));
        throw new StartupFailure($"no TrainingRun {name} in namespace {@namespace}: kubectl lora list -n {@namespace} shows the runs there.");
    }

    public async Task<IReadOnlyList<TrainingRun>> ListAsync(CancellationToken cancellationToken) =>
        (await Call("list trainingruns", null, () => _runs.ListAsync(@namespace, cancellationToken))).Items;

    /// <summary>Server-side apply as <see cref="FieldManager"/>: the plugin owns the fields it sets and nothing else.</summary>
    public Task<TrainingRun> ApplyAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        run.Metadata.NamespaceProperty = @namespace;
        var patch = new V1Patch(ClusterJson.Serialize(run), V1Patch.PatchType.ApplyPatch);
        return Call("create trainingruns", null, async () =>
        {
            var applied = await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, TrainingRun.Group, TrainingRun.Version, @namespace,
                TrainingRun.Plural, run.Metadata.Name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
            return ClusterJson.Deserialize<TrainingRun>((System.Text.Json.JsonElement)applied);
        });
    }

    /// <summary>Sets <c>spec.finish: now</c>: the run stops training and keeps the best epoch saved so far.</summary>
    public Task<TrainingRun> FinishAsync(string name, CancellationToken cancellationToken) =>
        MergePatchAsync(name, new JsonObject { ["finish"] = "now" }, cancellationToken);

    /// <summary>Sets <c>spec.runPolicy.suspend</c>: the run releases its GPU and waits in pending.</summary>
    public Task<TrainingRun> SuspendAsync(string name, CancellationToken cancellationToken) =>
        MergePatchAsync(name, new JsonObject { ["runPolicy"] = new JsonObject { ["suspend"] = true } }, cancellationToken);

    // A merge patch leaves every other field as it is; as FieldManager, managedFields tells who set these.
    private Task<TrainingRun> MergePatchAsync(string name, JsonObject spec, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(new JsonObject { ["spec"] = spec }.ToJsonString(), V1Patch.PatchType.MergePatch);
        return Call("patch trainingruns", name, async () =>
        {
            var patched = await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, TrainingRun.Group, TrainingRun.Version, @namespace,
                TrainingRun.Plural, name, fieldManager: FieldManager, cancellationToken: cancellationToken);
            return ClusterJson.Deserialize<TrainingRun>((System.Text.Json.JsonElement)patched);
        });
    }

    /// <summary>
    /// The changes to one run after <paramref name="resourceVersion"/>, as the server streams them, until it ends the
    /// watch (at the latest after <paramref name="timeoutSeconds"/>). A bookmark yields no run, only the version reached.
    /// </summary>
    /// <exception cref="KubernetesApiException">The server refused the watch or ended it with an error (410 Gone: the version is too old).</exception>
    public async IAsyncEnumerable<(WatchEventType Type, TrainingRun? Run, string? ResourceVersion)> WatchAsync(string name, string resourceVersion,
        int timeoutSeconds, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = $"apis/{TrainingRun.Group}/{TrainingRun.Version}/namespaces/{@namespace}/{TrainingRun.Plural}";
        await foreach (var (type, item) in KubernetesWatch.StreamAsync(client, path, resourceVersion, timeoutSeconds, $"metadata.name={name}",
                           "watch trainingruns", cancellationToken))
        {
            var version = item.ValueKind == System.Text.Json.JsonValueKind.Object
                && item.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
            yield return (type, type == WatchEventType.Bookmark ? null : ClusterJson.Deserialize<TrainingRun>(item), version);
        }
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) =>
        Call("delete trainingruns", name, () => _runs.DeleteAsync(Key(name), cancellationToken));

    /// <summary>The run's events, oldest first.</summary>
    public async Task<IReadOnlyList<Corev1Event>> EventsAsync(string name, CancellationToken cancellationToken)
    {
        var events = await Call("list events", null, () => client.CoreV1.ListNamespacedEventAsync(@namespace, cancellationToken: cancellationToken));
        return [.. events.Items
            .Where(e => e.InvolvedObject?.Name == name && e.InvolvedObject.Kind == TrainingRun.KindName)
            .OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp)];
    }

    private ResourceKey Key(string name) => new(@namespace, name);

    private async Task<T> Call<T>(string verbAndResource, string? name, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (Problem(ex, verbAndResource, name) is { } problem)
        {
            throw new StartupFailure(problem, ex);
        }
    }

    private string? Problem(Exception exception, string verbAndResource, string? name)
    {
        var (status, message) = exception switch
        {
            KubernetesApiException api => (api.StatusCode, api.Message),
            HttpOperationException http => (http.Response.StatusCode, http.Response.Content ?? ""),
            _ => ((HttpStatusCode?)null, exception.Message),
        };
        return status switch
        {
            HttpStatusCode.Forbidden =>
                $"forbidden: your user may not {verbAndResource} in namespace {@namespace} of the cluster at {host}; ask a cluster admin for a Role that allows it.",
            HttpStatusCode.Unauthorized =>
                $"the cluster at {host} did not accept your credentials (401): log in again or check the kubeconfig user.",
            // A missing object answers 404 naming it; a missing resource type answers 404 without a name.
            HttpStatusCode.NotFound when name is null || !message.Contains($"\"{name}\"", StringComparison.Ordinal) =>
                $"the TrainingRun CRD is not installed in the cluster at {host}: install the chart (docs/install.md) or kubectl apply -f config/crds/.",
            null when exception is HttpRequestException or TaskCanceledException =>
                $"cannot reach the Kubernetes API server at {host} ({exception.InnerException?.Message ?? exception.Message}): check the context (kubectl config current-context) or start the cluster.",
            _ => null,
        };
    }

    public void Dispose() => client.Dispose();
}
