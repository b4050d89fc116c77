using System.Text;
using k8s;
using k8s.Autorest;
using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Operator.Vast.Credentials;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>A run's own credentials, read from the Secrets its spec names; null members mean the operator-wide default.</summary>
internal sealed record RunCredentials(VastApiKey? Vast, string? CivitaiKey, S3Credentials? S3)
{
    /// <inheritdoc />
    public override string ToString() => "RunCredentials { (values hidden) }";
}

/// <summary>Reads the Secrets named in <c>spec.credentials</c>, with errors that say which Secret and key is missing.</summary>
internal sealed class RunCredentialResolver(IKubernetes client)
{
    /// <summary>The credentials, or an error message naming what to fix.</summary>
    public async Task<(RunCredentials? Credentials, string? Error)> ResolveAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var spec = run.Spec.Credentials;
        var ns = run.Metadata.NamespaceProperty;
        if (spec is null)
        {
            return (new RunCredentials(null, null, null), null);
        }

        var (vast, vastError) = await ReadAsync(ns, spec.Vast, "spec.credentials.vast", spec.Vast?.Key ?? "apiKey", cancellationToken).ConfigureAwait(false);
        var (civitai, civitaiError) = await ReadAsync(ns, spec.Civitai, "spec.credentials.civitai", spec.Civitai?.Key ?? "apiKey", cancellationToken).ConfigureAwait(false);
        var (keyId, keyIdError) = await ReadAsync(ns, spec.S3, "spec.credentials.s3", "accessKeyId", cancellationToken).ConfigureAwait(false);
        var (secretKey, secretKeyError) = await ReadAsync(ns, spec.S3, "spec.credentials.s3", "secretAccessKey", cancellationToken).ConfigureAwait(false);
        var error = vastError ?? civitaiError ?? keyIdError ?? secretKeyError;
        if (error is not null)
        {
            return (null, error);
        }

        return (new RunCredentials(
            vast is null ? null : new VastApiKey(vast, $"secret {ns}/{spec.Vast!.Name}"),
            civitai,
            keyId is null || secretKey is null ? null : new S3Credentials(keyId, secretKey, $"secret {ns}/{spec.S3!.Name}")), null);
    }

    /// <summary>The bearer token a download's <c>tokenSecretRef</c> names (default key <c>token</c>), or an error naming <paramref name="field"/>.</summary>
    public Task<(string? Value, string? Error)> ReadTokenAsync(string ns, SecretReference reference, string field, CancellationToken cancellationToken) =>
        ReadAsync(ns, reference, field, reference.Key ?? "token", cancellationToken);

    private async Task<(string? Value, string? Error)> ReadAsync(string ns, SecretReference? reference, string field, string key, CancellationToken cancellationToken)
    {
        if (reference is null)
        {
            return (null, null);
        }

        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(reference.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (secret.Data is null || !secret.Data.TryGetValue(key, out var bytes) || bytes.Length == 0)
            {
                return (null, $"{field}: Secret {ns}/{reference.Name} has no key '{key}'");
            }

            return (Encoding.UTF8.GetString(bytes).Trim(), null);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return (null, $"{field}: Secret {ns}/{reference.Name} not found; create it or remove the reference");
        }
    }
}
