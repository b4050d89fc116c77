using System.Collections.Concurrent;
using System.Text;
using k8s;
using k8s.Autorest;
using LoraTrainer.Api;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Webhook.Runs;

/// <summary>Reads a run's token and agent config from its Secret. Tokens are cached briefly; configs never are (their URLs are refreshed).</summary>
internal sealed class RunCredentials(IKubernetes client, TimeProvider time, IOptions<ReceiverOptions> options)
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), (string? Token, DateTimeOffset Expires)> _tokens = new();

    /// <summary>The run's token, or null when the run has no Secret (unknown run).</summary>
    public async Task<string?> TokenAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue((@namespace, name), out var cached) && cached.Expires > now)
        {
            return cached.Token;
        }

        var secret = await ReadAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        var token = secret?.Data?.TryGetValue(RunSecret.TokenKey, out var bytes) == true ? Encoding.UTF8.GetString(bytes) : null;
        _tokens[(@namespace, name)] = (token, now + options.Value.TokenCacheDuration);
        return token;
    }

    /// <summary>The agent config document as stored, or null when missing.</summary>
    public async Task<byte[]?> ConfigAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var secret = await ReadAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        return secret?.Data?.TryGetValue(RunSecret.ConfigKey, out var bytes) == true ? bytes : null;
    }

    private async Task<k8s.Models.V1Secret?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(RunSecret.NameFor(name), @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
