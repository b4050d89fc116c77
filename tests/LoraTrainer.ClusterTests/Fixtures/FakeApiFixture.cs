using k8s;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.ClusterTests.Fixtures;

/// <summary>The test kit's Kubernetes API fake, so the same contract runs everywhere, Docker or not.</summary>
public sealed class FakeApiFixture : IApiServerFixture, IAsyncLifetime
{
    private FakeKubeApiServer? _server;

    public async ValueTask InitializeAsync() => _server = await FakeKubeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public IKubernetes CreateClient() => _server!.CreateClient();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
