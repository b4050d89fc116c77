using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Cli.Tests;

/// <summary>The Kubernetes API stand-in with the CRD installed and a kubeconfig for it.</summary>
internal sealed class KubeFixture : IAsyncDisposable
{
    private readonly TempFolder _folder = new();

    private KubeFixture(FakeKubeApiServer kube, string kubeconfig)
    {
        Kube = kube;
        Kubeconfig = kubeconfig;
    }

    public FakeKubeApiServer Kube { get; }

    public string Kubeconfig { get; }

    public static async Task<KubeFixture> StartAsync(bool withCrd = true)
    {
        var kube = await FakeKubeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        if (withCrd)
        {
            kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        }

        var folder = Path.Combine(Path.GetTempPath(), $"kubectl-lora-kube-{Guid.NewGuid():N}.kubeconfig");
        return new KubeFixture(kube, await kube.WriteKubeconfigAsync(folder, "default", TestContext.Current.CancellationToken));
    }

    /// <summary>A run as the operator leaves it when <paramref name="status"/> is written.</summary>
    public TrainingRun SeedRun(string name, TrainingRunStatus status) => Kube.Seed(new TrainingRun
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new TrainingRunSpec
        {
            BaseModel = new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = 128078 } },
            Dataset = new DatasetSpec { S3 = new S3Location { Bucket = "images", Prefix = "anna/" } },
            Output = new OutputSpec { S3 = new S3Location { Bucket = "loras", Prefix = "anna/" } },
        },
        Status = status,
    });

    public async ValueTask DisposeAsync()
    {
        await Kube.DisposeAsync();
        File.Delete(Kubeconfig);
        _folder.Dispose();
    }
}
