using k8s;
using LoraTrainer.Testing.Kubernetes.K3s;

namespace LoraTrainer.ClusterTests.Fixtures;

/// <summary>One K3s cluster shared by a test class, started only where a Docker engine answers.</summary>
public sealed class K3sFixture : IApiServerFixture, IAsyncLifetime
{
    private K3sCluster? _cluster;

    public async ValueTask InitializeAsync()
    {
        if (await DockerAvailability.IsAvailableAsync())
        {
            _cluster = await K3sCluster.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        }
    }

    public IKubernetes CreateClient()
    {
        if (_cluster is null)
        {
            Assert.Skip("Docker is not available");
        }

        return _cluster.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
