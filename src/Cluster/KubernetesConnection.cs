using k8s;
using k8s.Autorest;
using k8s.Exceptions;
using LoraTrainer.Api;

namespace LoraTrainer.Cluster;

/// <summary>Finds the cluster to work with and checks, before anything starts, that it can.</summary>
public static class KubernetesConnection
{
    /// <summary>
    /// The kubeconfig named by <paramref name="kubeconfigPath"/>, else the first file listed in $KUBECONFIG that exists,
    /// else ~/.kube/config, else in-cluster; <paramref name="context"/> picks a context other than the file's current one.
    /// </summary>
    /// <remarks>kubectl merges every file in $KUBECONFIG; the operator reads the first that exists, where the context usually lives.</remarks>
    public static KubernetesClientConfiguration LoadConfiguration(string? kubeconfigPath = null, string? context = null)
    {
        if (!string.IsNullOrEmpty(kubeconfigPath))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath, context);
        }

        var listed = (Environment.GetEnvironmentVariable("KUBECONFIG") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (listed.Length > 0)
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(listed.FirstOrDefault(File.Exists) ?? listed[0], context);
        }

        if (File.Exists(KubernetesClientConfiguration.KubeConfigDefaultLocation) || !KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(currentContext: context);
        }

        return KubernetesClientConfiguration.InClusterConfig();
    }

    /// <summary>
    /// One line saying what is wrong with the kubeconfig when <paramref name="exception"/> came from loading it (or from
    /// creating a client with it), else null.
    /// </summary>
    public static string? ConfigurationProblem(Exception exception) => exception switch
    {
        KubeConfigException ex => $"no Kubernetes cluster configured: {ex.Message.TrimEnd('.')}. Set KUBECONFIG or run it inside a cluster.",
        // A kubeconfig that exists but cannot be read or parsed; the message names the position, never the content.
        IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or FormatException or ArgumentException =>
            $"cannot read the kubeconfig: {exception.Message.TrimEnd('.')}. Fix the file or point KUBECONFIG at another one.",
        _ => null,
    };

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
        catch (Exception ex) when (ConfigurationProblem(ex) is { } problem)
        {
            return problem;
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
