using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Webhook.Runs;

/// <summary>
/// Reads a run's token and agent config from its Secret. Tokens are cached briefly in a bounded cache; configs never
/// are (their URLs are refreshed).
/// </summary>
/// <remarks>
/// A run without a Secret is cached too (for the same time), so a client repeating a made-up name costs one Secret
/// read per cache period, not one per request. Those entries have low priority: when the cache is full they are
/// evicted before the tokens of real runs.
/// </remarks>
internal sealed class RunSecretReader : IDisposable
{
    private readonly IKubernetes _client;
    private readonly IOptions<ReceiverOptions> _options;
    private readonly MemoryCache _tokens;

    public RunSecretReader(IKubernetes client, TimeProvider time, IOptions<ReceiverOptions> options)
    {
        _client = client;
        _options = options;
        _tokens = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = options.Value.TokenCacheEntries,
            Clock = new TimeProviderClock(time),
        });
    }

    /// <summary>Runs whose token (or absence) is cached now.</summary>
    public int CachedRuns => _tokens.Count;

    /// <summary>The run's token, or null when the run has no Secret (unknown run).</summary>
    public async Task<string?> TokenAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var key = new ResourceKey(@namespace, name);
        if (_tokens.TryGetValue(key, out CachedToken? cached) && cached is not null)
        {
            return cached.Token;
        }

        var secret = await ReadAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        var token = secret?.Data?.TryGetValue(RunSecret.TokenKey, out var bytes) == true ? Encoding.UTF8.GetString(bytes) : null;
        var duration = _options.Value.TokenCacheDuration;
        if (duration > TimeSpan.Zero)
        {
            _tokens.Set(key, new CachedToken(token), new MemoryCacheEntryOptions
            {
                Size = 1,
                AbsoluteExpirationRelativeToNow = duration,
                Priority = token is null ? CacheItemPriority.Low : CacheItemPriority.Normal,
            });
        }

        return token;
    }

    /// <summary>The agent config document as stored, or null when missing.</summary>
    public async Task<byte[]?> ConfigAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var secret = await ReadAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        return secret?.Data?.TryGetValue(RunSecret.ConfigKey, out var bytes) == true ? bytes : null;
    }

    /// <summary>
    /// The object keys the run's current config lets its agent upload (the best epoch's, plus every epoch's when the
    /// run keeps all); null when the config is missing or unreadable.
    /// </summary>
    public async Task<IReadOnlySet<string>?> UploadKeysAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        await OutputsAsync(@namespace, name, cancellationToken).ConfigureAwait(false) is { } outputs
            ? outputs.Epochs.Select(e => e.Key).Append(outputs.Best.Key).Where(k => k.Length > 0).ToHashSet(StringComparer.Ordinal)
            : null;

    /// <summary>The key the run's current config gives each kept epoch's own file; null when the config is missing or unreadable.</summary>
    public async Task<IReadOnlyDictionary<int, string>?> EpochKeysAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        await OutputsAsync(@namespace, name, cancellationToken).ConfigureAwait(false) is { } outputs
            ? outputs.Epochs.Where(e => e.Key.Length > 0).GroupBy(e => e.Epoch).ToDictionary(g => g.Key, g => g.Last().Key)
            : null;

    /// <summary>The sample image keys the run's current config lets its agent upload; null when the config is missing or unreadable.</summary>
    public async Task<IReadOnlySet<string>?> SampleKeysAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        await OutputsAsync(@namespace, name, cancellationToken).ConfigureAwait(false) is { } outputs
            ? outputs.Samples.Select(s => s.Key).Where(k => k.Length > 0).ToHashSet(StringComparer.Ordinal)
            : null;

    private async Task<OutputTargets?> OutputsAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var document = await ConfigAsync(@namespace, name, cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(document, ProtocolJsonContext.Default.AgentConfig)?.Outputs;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _tokens.Dispose();

    private async Task<k8s.Models.V1Secret?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.CoreV1.ReadNamespacedSecretAsync(RunSecret.NameFor(name), @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private sealed record CachedToken(string? Token);
}
