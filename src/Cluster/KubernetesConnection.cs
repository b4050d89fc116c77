using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using LoraTrainer.Api;

namespace LoraTrainer.Cluster;

/// <summary>Finds the cluster to work with and checks, before anything starts, that it can.</summary>
public static class KubernetesConnection
{
    /// <summary>The kubeconfig named by <paramref name="kubeconfigPath"/> or $KUBECONFIG, else ~/.kube/config, else in-cluster.</summary>
    public static KubernetesClientConfiguration LoadConfiguration(string? kubeconfigPath = null)
    {
        var path = kubeconfigPath ?? Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator)[0];
        if (!string.IsNullOrEmpty(path))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        }

        if (File.Exists(KubernetesClientConfiguration.KubeConfigDefaultLocation) || !KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile();
        }

        return KubernetesClientConfiguration.InClusterConfig();
    }

    /// <summary>
    /// Returns null when the API server answers and the TrainingRun CRD is installed; otherwise one line saying
    /// what is missing and how to fix it.
    /// </summary>
    public static async Task<string?> CheckAsync(Func<KubernetesClientConfiguration> configure, CancellationToken cancellationToken)
    {
        KubernetesClientConfiguration configuration;
        try
        {
            configuration = configure();
        }
        catch (KubeConfigException ex)
        {
            return $"no Kubernetes cluster configured: {ex.Message.TrimEnd('.')}. Set KUBECONFIG or run it inside a cluster.";
        }

        using var client = new Kubernetes(configuration);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync($"{TrainingRun.Plural}.{TrainingRun.Group}", cancellationToken: timeout.Token);
            return null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return $"the TrainingRun CRD is not installed in the cluster at {configuration.Host}: kubectl apply -f config/crds/";
        }
        catch (HttpOperationException ex) when ((int)ex.Response.StatusCode is 401 or 403)
        {
            return $"the cluster at {configuration.Host} refused our credentials ({(int)ex.Response.StatusCode}); check the kubeconfig user or the service account's RBAC.";
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is OperationCanceledException ? "no answer within 10s" : ex.InnerException?.Message ?? ex.Message;
            return $"cannot reach the Kubernetes API server at {configuration.Host} ({reason}). Check the kubeconfig context or start a cluster.";
        }
    }
}
