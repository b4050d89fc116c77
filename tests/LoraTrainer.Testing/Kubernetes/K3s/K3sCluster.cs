using System.Text;
using k8s;
using Testcontainers.K3s;

namespace LoraTrainer.Testing.Kubernetes.K3s;

/// <summary>A real single-node Kubernetes (K3s in Docker) offering the same client configuration as <see cref="FakeKubeApiServer"/>.</summary>
/// <remarks>Check <see cref="DockerAvailability.IsAvailableAsync"/> first: starting needs a Docker engine and pulls the K3s image.</remarks>
public sealed class K3sCluster : IAsyncDisposable
{
    /// <summary>The K3s release whose apiserver matches the kubectl the project uses (1.32).</summary>
    public const string DefaultImage = "rancher/k3s:v1.32.5-k3s1";

    private readonly K3sContainer _container;

    private K3sCluster(K3sContainer container, string kubeconfig)
    {
        _container = container;
        Kubeconfig = kubeconfig;
    }

    /// <summary>The kubeconfig K3s wrote, pointing at its mapped port on this machine.</summary>
    public string Kubeconfig { get; }

    /// <summary>Starts K3s and waits until its API answers.</summary>
    public static async Task<K3sCluster> StartAsync(string image = DefaultImage, CancellationToken cancellationToken = default)
    {
        var container = new K3sBuilder(image).Build();
        await container.StartAsync(cancellationToken);
        var kubeconfig = await container.GetKubeconfigAsync();
        return new K3sCluster(container, kubeconfig);
    }

    /// <summary>A client configuration for this cluster, as <see cref="FakeKubeApiServer.CreateClientConfiguration"/> gives for the fake.</summary>
    public KubernetesClientConfiguration CreateClientConfiguration()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Kubeconfig));
        return KubernetesClientConfiguration.BuildConfigFromConfigFile(stream);
    }

    /// <summary>A KubernetesClient for this cluster; the caller disposes it.</summary>
    public k8s.Kubernetes CreateClient() => new(CreateClientConfiguration());

    /// <summary>Writes the kubeconfig to <paramref name="path"/> and returns the full path.</summary>
    public async Task<string> WriteKubeconfigAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, Kubeconfig, cancellationToken);
        return full;
    }

    /// <summary>Stops and removes the container.</summary>
    public ValueTask DisposeAsync() => _container.DisposeAsync();
}
