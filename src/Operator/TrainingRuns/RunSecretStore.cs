using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// The per-run Secret holding the agent's token and config. It is owned by the TrainingRun, so Kubernetes deletes it
/// with the run; the receiver reads it, the operator alone writes it.
/// </summary>
internal sealed class RunSecretStore(IKubernetes client, TimeProvider time)
{
    /// <summary>Annotation recording when the config's presigned URLs were issued.</summary>
    public const string IssuedAtAnnotation = "loratrainer.io/config-issued-at";

    /// <summary>
    /// Writes the config document (with freshly presigned URLs) next to the run's token, creating the Secret and the
    /// token on first use; returns the token, which never changes for the life of the run.
    /// </summary>
    public async Task<string> WriteConfigAsync(TrainingRun run, AgentConfig config, CancellationToken cancellationToken)
    {
        var existing = await ReadAsync(run, cancellationToken).ConfigureAwait(false);
        var token = existing?.Data?.TryGetValue(RunSecret.TokenKey, out var bytes) == true ? Encoding.UTF8.GetString(bytes) : RequestSigner.NewToken();
        await WriteAsync(run, existing, token, config, cancellationToken).ConfigureAwait(false);
        return token;
    }

    private async Task<V1Secret?> ReadAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(RunSecret.NameFor(run.Metadata.Name), run.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task WriteAsync(TrainingRun run, V1Secret? existing, string token, AgentConfig config, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, byte[]>
        {
            [RunSecret.TokenKey] = Encoding.UTF8.GetBytes(token),
            [RunSecret.ConfigKey] = JsonSerializer.SerializeToUtf8Bytes(config, ProtocolJsonContext.Default.AgentConfig),
        };
        var annotations = new Dictionary<string, string> { [IssuedAtAnnotation] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) };

        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "Opaque",
            Metadata = new V1ObjectMeta
            {
                Name = RunSecret.NameFor(run.Metadata.Name),
                NamespaceProperty = run.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string> { [RunSecret.RunLabel] = run.Metadata.Name },
                Annotations = annotations,
                ResourceVersion = existing?.Metadata.ResourceVersion,
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = run.ApiVersion, Kind = run.Kind, Name = run.Metadata.Name, Uid = run.Metadata.Uid,
                        Controller = true, BlockOwnerDeletion = true,
                    },
                ],
            },
            Data = data,
        };

        if (existing is null)
        {
            await client.CoreV1.CreateNamespacedSecretAsync(secret, run.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, run.Metadata.NamespaceProperty, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
