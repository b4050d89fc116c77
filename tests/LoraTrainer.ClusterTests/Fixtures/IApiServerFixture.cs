using k8s;

namespace LoraTrainer.ClusterTests.Fixtures;

/// <summary>Something that serves the Kubernetes API: a real K3s cluster or the test kit's fake.</summary>
public interface IApiServerFixture
{
    /// <summary>A client for the server; skips the test when the server cannot run here.</summary>
    IKubernetes CreateClient();
}
