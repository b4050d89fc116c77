using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Cluster;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.ClusterTests.Contract;

/// <summary>Installs config/crds on a server and waits until every CRD is Established, as a cluster admin would.</summary>
internal static class CrdInstaller
{
    public static async Task InstallAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        foreach (var manifest in Manifests.Load(RepositoryRoot.Combine("config", "crds")))
        {
            var crd = ClusterJson.Deserialize<V1CustomResourceDefinition>(manifest.ToJsonString());
            try
            {
                await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd, fieldValidation: "Strict", cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // Installed by an earlier test of the same class.
            }

            await WaitEstablishedAsync(client, crd.Metadata.Name, cancellationToken);
        }
    }

    private static Task WaitEstablishedAsync(IKubernetes client, string name, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(token => client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: token),
            crd => crd.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true, TimeSpan.FromSeconds(60),
            $"CRD {name} to be established", crd => string.Join(", ", crd.Status?.Conditions?.Select(c => $"{c.Type}={c.Status}") ?? []),
            TimeSpan.FromMilliseconds(200), cancellationToken);
}
