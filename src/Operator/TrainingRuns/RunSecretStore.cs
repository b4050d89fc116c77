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

    /// <summary>The run's token, creating the Secret with a new one when there is none.</summary>
    public async Task<string> EnsureTokenAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var existing = await ReadAsync(run, cancellationToken).ConfigureAwait(false);
        if (existing?.Data?.TryGetValue(RunSecret.TokenKey, out var token) == true)
        {
            return Encoding.UTF8.GetString(token);
        }

        var fresh = RequestSigner.NewToken();
        await WriteAsync(run, existing, fresh, config: null, cancellationToken).ConfigureAwait(false);
        return fresh;
    }

    /// <summary>Writes the config document (with freshly presigned URLs) next to the token.</summary>
    public async Task WriteConfigAsync(TrainingRun run, AgentConfig config, CancellationToken cancellationToken)
    {
        var existing = await ReadAsync(run, cancellationToken).ConfigureAwait(false);
        var token = existing?.Data?.TryGetValue(RunSecret.TokenKey, out var bytes) == true ? Encoding.UTF8.GetString(bytes) : RequestSigner.NewToken();
        await WriteAsync(run, existing, token, config, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>When the config's URLs were last issued, or null when there is no config yet.</summary>
    public async Task<(DateTimeOffset? IssuedAt, int? Attempt)> ConfigStateAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var secret = await ReadAsync(run, cancellationToken).ConfigureAwait(false);
        if (secret?.Data?.TryGetValue(RunSecret.ConfigKey, out var json) != true)
        {
            return (null, null);
        }

        var issued = secret.Metadata.Annotations?.TryGetValue(IssuedAtAnnotation, out var text) == true
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null;
        var config = JsonSerializer.Deserialize<AgentConfig>(json, ProtocolJson.Options);
        return (issued, config?.Run.Attempt);
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

    private async Task WriteAsync(TrainingRun run, V1Secret? existing, string token, AgentConfig? config, CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, byte[]> { [RunSecret.TokenKey] = Encoding.UTF8.GetBytes(token) };
        var annotations = new Dictionary<string, string>();
        if (config is not null)
        {
            data[RunSecret.ConfigKey] = JsonSerializer.SerializeToUtf8Bytes(config, ProtocolJson.Options);
            annotations[IssuedAtAnnotation] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        }
        else if (existing?.Data?.TryGetValue(RunSecret.ConfigKey, out var kept) == true)
        {
            data[RunSecret.ConfigKey] = kept;
        }

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
