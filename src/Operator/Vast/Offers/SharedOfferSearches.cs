using System.Text.Json;
using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Credentials;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast.Offers;

/// <summary>
/// Offer searches shared by every run waiting for a GPU: one search answers every run that asks the same question of
/// the same account within <see cref="VastOptions.SearchShareWindow"/>, and runs asking at the same moment wait for one answer.
/// </summary>
/// <remarks>
/// Vast allows 10 offer searches a minute per API key (429, without Retry-After, beyond that). Runs waiting for a GPU
/// look again every minute; searching once per run would let six runs exhaust the budget. A search is shared only
/// between runs using the same key, so a rejected key fails only the runs that use it; a failed search is not kept.
/// </remarks>
internal sealed class SharedOfferSearches(VastClient client, IVastApiKeyProvider keys, IOptionsMonitor<VastOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Key, string Query), Search> _searches = [];

    /// <summary>The answer of a search of <paramref name="query"/> started no earlier than <paramref name="notBefore"/>, searching when there is none.</summary>
    public async Task<IReadOnlyList<VastOffer>> SearchAsync(VastSearchQuery query, DateTimeOffset? notBefore, CancellationToken cancellationToken)
    {
        var identity = await IdentityAsync(query, cancellationToken).ConfigureAwait(false);
        Search search;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (Usable(identity, notBefore ?? now - options.CurrentValue.SearchShareWindow) is { } shared)
            {
                search = shared;
            }
            else
            {
                Forget(now);
                // Not the caller's token: other runs wait for this answer too; the client's total timeout bounds it.
                search = _searches[identity] = new Search(now, client.SearchOffersAsync(query, CancellationToken.None));
            }
        }

        return await search.Offers.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A finished answer to <paramref name="query"/> from the share window, if any; never searches.</summary>
    public async Task<IReadOnlyList<VastOffer>?> RecentAsync(VastSearchQuery query, CancellationToken cancellationToken)
    {
        var identity = await IdentityAsync(query, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return Usable(identity, time.GetUtcNow() - options.CurrentValue.SearchShareWindow) is { Offers.IsCompletedSuccessfully: true } search
                ? search.Offers.Result
                : null;
        }
    }

    private async Task<(string Key, string Query)> IdentityAsync(VastSearchQuery query, CancellationToken cancellationToken)
    {
        // The key itself (held in memory only, as the HTTP handler holds it) tells accounts apart; its source may be shared.
        var key = await keys.GetApiKeyAsync(cancellationToken).ConfigureAwait(false);
        return (key.Value, JsonSerializer.Serialize(query, VastJsonContext.Default.VastSearchQuery));
    }

    private Search? Usable((string Key, string Query) identity, DateTimeOffset notBefore) =>
        _searches.TryGetValue(identity, out var search) && search.StartedAt >= notBefore && !search.Offers.IsFaulted && !search.Offers.IsCanceled
            ? search
            : null;

    private void Forget(DateTimeOffset now)
    {
        var window = options.CurrentValue.SearchShareWindow;
        foreach (var (identity, search) in _searches.Where(pair => now - pair.Value.StartedAt > window && pair.Value.Offers.IsCompleted).ToList())
        {
            _searches.Remove(identity);
        }
    }

    private sealed record Search(DateTimeOffset StartedAt, Task<IReadOnlyList<VastOffer>> Offers);
}
