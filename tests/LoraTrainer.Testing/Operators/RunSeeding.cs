using System.Text;
using System.Text.Json;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Testing.Operators;

/// <summary>Seeds a TrainingRun together with the per-run Secret the operator would have written for it.</summary>
public static class RunSeeding
{
    /// <summary>Stores <paramref name="run"/> and its Secret (a new token, and <paramref name="config"/> when given); returns the stored run and the token.</summary>
    public static (TrainingRun Run, string Token) SeedWithSecret(FakeKubeApiServer kube, TrainingRun run, AgentConfig? config = null)
    {
        ArgumentNullException.ThrowIfNull(kube);
        ArgumentNullException.ThrowIfNull(run);
        var stored = kube.Seed(run);
        var token = RequestSigner.NewToken();
        var data = new Dictionary<string, byte[]> { [RunSecret.TokenKey] = Encoding.UTF8.GetBytes(token) };
        if (config is not null)
        {
            data[RunSecret.ConfigKey] = JsonSerializer.SerializeToUtf8Bytes(config, ProtocolJson.Options);
        }

        kube.Seed(new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta
            {
                Name = RunSecret.NameFor(stored.Metadata.Name),
                NamespaceProperty = stored.Metadata.NamespaceProperty,
                OwnerReferences = [new V1OwnerReference { ApiVersion = TrainingRun.ApiVersionString, Kind = TrainingRun.KindName, Name = stored.Metadata.Name, Uid = stored.Metadata.Uid }],
            },
            Data = data,
        });
        return (stored, token);
    }
}
