using System.Runtime.CompilerServices;
using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Http;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Operator.Vast.Offers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast;

/// <summary>Renting, reading and releasing Vast GPU instances for training runs.</summary>
/// <remarks>
/// Every method is safe to call again after a crash: renting first looks for an instance already
/// carrying the attempt's label, a lost create answer is resolved by looking the label up before
/// creating again, and destroying an instance that is already gone counts as done.
/// </remarks>
internal sealed class VastProvider(VastClient client, SharedOfferSearches searches, IOptionsMonitor<VastOptions> options, TimeProvider time, ILogger<VastProvider> logger)
{
    /// <summary>How long an offer this operator tried stays off its other rents: a search may list it a little longer.</summary>
    private static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(30);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, DateTimeOffset> _claimedOffers = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, long> _offerOfInstance = new();

    /// <summary>Searches offers for the requirements; when none passes, explains which requirement excluded the market.</summary>
    /// <param name="requirements">What the offers must meet.</param>
    /// <param name="cancellationToken">Cancels the wait, not a search other runs share.</param>
    /// <param name="notBefore">The earliest start of a shared search that may answer; by default one from the share window.</param>
    public async Task<OfferSelectionResult> SearchOffersAsync(OfferRequirements requirements, CancellationToken cancellationToken, DateTimeOffset? notBefore = null)
    {
        var limit = options.CurrentValue.SearchLimit;
        var marketQuery = OfferSelection.BuildMarketQuery(requirements, limit);
        OfferSelectionResult selection;
        if (notBefore is null && await searches.RecentAsync(marketQuery, cancellationToken).ConfigureAwait(false) is { } market && market.Count < limit)
        {
            // A recent market search that was not cut off holds every offer of these GPUs: it answers any floor by the local re-check.
            selection = OfferSelection.Select(requirements, market);
        }
        else
        {
            var offers = await searches.SearchAsync(OfferSelection.BuildQuery(requirements, limit), notBefore, cancellationToken).ConfigureAwait(false);
            selection = OfferSelection.Select(requirements, offers);
            if (selection.Ranked.Count == 0)
            {
                // Vast's filter hides what it excluded; a broad search shows what the market has, so the message can say why.
                selection = OfferSelection.Select(requirements, await searches.SearchAsync(marketQuery, notBefore, cancellationToken).ConfigureAwait(false));
            }
        }

        logger.OffersSearched(requirements.DescribeGpus(), selection.Summary);
        return selection;
    }

    /// <summary>Rents an instance for the requirements: reuses one already carrying the label, else searches and creates, searching again when every offer was taken.</summary>
    public async Task<RentResult> RentAsync(OfferRequirements requirements, InstanceRequest request, CancellationToken cancellationToken)
    {
        request.Validate();
        if (await FindByLabelAsync(request.Label.ToString(), cancellationToken).ConfigureAwait(false) is { } existing)
        {
            logger.InstanceFoundByLabel(existing.Id, request.Label.ToString());
            return RentResult.Rented(RentedInstance.FromInstance(existing), null);
        }

        var settings = options.CurrentValue;
        var taken = new HashSet<long>();
        OfferSelectionResult? selection = null;
        for (var round = 1; round <= settings.MaxSearchRounds; round++)
        {
            // A later round was sent because the offers found were taken: it needs a search newer than that.
            selection = await SearchOffersAsync(requirements, cancellationToken, round == 1 ? null : time.GetUtcNow()).ConfigureAwait(false);
            // Runs sharing a search see the same offers: each tries those no other rent here holds.
            var candidates = selection.Ranked.Where(offer => !taken.Contains(offer.Id) && !IsClaimed(offer.Id)).Take(settings.MaxOffersPerSearch).ToList();
            if (candidates.Count == 0)
            {
                return RentResult.NoOffer(selection, taken.Count == 0 ? selection.Summary : $"every matching offer was taken before it could be rented ({taken.Count} tried)");
            }

            var result = await CreateInstanceAsync(candidates, request, cancellationToken).ConfigureAwait(false);
            if (result.Instance is { } instance)
            {
                return RentResult.Rented(instance, selection);
            }

            taken.UnionWith(result.TakenOffers);
            logger.AllOffersTaken(request.Label.ToString(), round);
        }

        return RentResult.NoOffer(selection!, $"every matching offer was taken before it could be rented ({taken.Count} tried in {settings.MaxSearchRounds} searches)");
    }

    /// <summary>Tries the offers in order until one is rented; an offer taken meanwhile (<c>no_such_ask</c>) moves on to the next.</summary>
    public async Task<CreateInstanceResult> CreateInstanceAsync(IReadOnlyList<VastOffer> offers, InstanceRequest request, CancellationToken cancellationToken)
    {
        request.Validate();
        var taken = new List<long>();
        foreach (var offer in offers)
        {
            // Concurrent rents see the same cheapest offers; each tries only offers no other rent here has tried,
            // so Vast's paced create budget is not spent on offers this operator already took.
            if (!Claim(offer.Id))
            {
                taken.Add(offer.Id);
                continue;
            }

            RentedInstance? instance;
            try
            {
                instance = await CreateOnOfferAsync(offer, request, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _claimedOffers.TryRemove(offer.Id, out _);
                throw;
            }

            if (instance is not null)
            {
                _offerOfInstance[instance.InstanceId] = offer.Id;
                return CreateInstanceResult.Created(instance, taken);
            }

            taken.Add(offer.Id);
        }

        return CreateInstanceResult.AllTaken(taken);
    }

    /// <summary>Reads an instance; null once it is gone.</summary>
    public Task<VastInstance?> GetInstanceAsync(long instanceId, CancellationToken cancellationToken) =>
        client.ShowInstanceAsync(instanceId, cancellationToken);

    /// <summary>Finds the instance carrying exactly this label, if any (the lowest id when a lost answer made two).</summary>
    public async Task<VastInstance?> FindByLabelAsync(string label, CancellationToken cancellationToken)
    {
        VastInstance? found = null;
        await foreach (var instance in ListInstancesAsync([label], cancellationToken).ConfigureAwait(false))
        {
            // The server-side filter is a hint; the label is compared here too.
            if (string.Equals(instance.Label, label, StringComparison.Ordinal) && (found is null || instance.Id < found.Id))
            {
                found = instance;
            }
        }

        return found;
    }

    /// <summary>Every instance on the account, page by page; <paramref name="labels"/> narrows the listing server-side.</summary>
    public async IAsyncEnumerable<VastInstance> ListInstancesAsync(IReadOnlyList<string>? labels, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await client.ListInstancesAsync(token, labels, cancellationToken).ConfigureAwait(false);
            foreach (var instance in page.Instances)
            {
                yield return instance;
            }

            // A token seen before would page forever.
            token = page.NextToken is { } next && page.Instances.Count > 0 && seenTokens.Add(next) ? next : null;
        }
        while (token is not null);
    }

    /// <summary>Destroys an instance and reads it back until Vast confirms it is gone; true when it existed.</summary>
    /// <exception cref="VastApiException">The instance still exists after every confirmation read.</exception>
    public async Task<bool> DestroyAsync(long instanceId, CancellationToken cancellationToken)
    {
        // Its offer goes back on the market with it: a later rent (a resume) may take it again at once.
        if (_offerOfInstance.TryRemove(instanceId, out var offerId))
        {
            _claimedOffers.TryRemove(offerId, out _);
        }

        var settings = options.CurrentValue;
        var existed = false;
        for (var attempt = 1; attempt <= settings.DestroyConfirmAttempts; attempt++)
        {
            // Destroy again on every round: it is idempotent, and a destroy Vast dropped is thereby repeated.
            existed |= await client.DestroyInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (await client.ShowInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false) is null)
            {
                logger.InstanceDestroyed(instanceId, existed);
                return existed;
            }

            if (attempt < settings.DestroyConfirmAttempts)
            {
                await Task.Delay(settings.DestroyConfirmDelay, time, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new VastApiException($"Vast instance {instanceId} still exists after {settings.DestroyConfirmAttempts} destroy calls; it will be destroyed again", VastEndpoint.Destroy, null, null, isTransient: true);
    }

    /// <summary>Changes an instance's label.</summary>
    public Task SetLabelAsync(long instanceId, VastInstanceLabel label, CancellationToken cancellationToken) =>
        client.SetLabelAsync(instanceId, label.ToString(), cancellationToken);

    /// <summary>Whether another rent of this operator holds the offer or rented it recently.</summary>
    private bool IsClaimed(long offerId) =>
        _claimedOffers.TryGetValue(offerId, out var at) && time.GetUtcNow() - at <= ClaimLifetime;

    /// <summary>Claims an offer for one create; false while another rent of this operator holds it or rented it recently.</summary>
    private bool Claim(long offerId)
    {
        var now = time.GetUtcNow();
        foreach (var (id, at) in _claimedOffers)
        {
            if (now - at > ClaimLifetime)
            {
                _claimedOffers.TryRemove(new KeyValuePair<long, DateTimeOffset>(id, at));
            }
        }

        return _claimedOffers.TryAdd(offerId, now);
    }

    private async Task<RentedInstance?> CreateOnOfferAsync(VastOffer offer, InstanceRequest request, CancellationToken cancellationToken)
    {
        var label = request.Label.ToString();
        var bid = request.Bid?.BidFor(offer);
        // What the instance bills per hour while it runs: a bid buys the GPU, and storage bills on top of it.
        var price = bid is null ? offer.DphTotal : request.Bid!.HourlyCost(offer);
        var body = new VastCreateRequest
        {
            Image = request.Image,
            Disk = request.DiskGb,
            Label = label,
            Env = request.Environment(),
            Price = bid,
            ImageLogin = request.ImageLogin,
        };

        var attempts = options.CurrentValue.MaxCreateAttemptsPerOffer;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var outcome = await client.CreateInstanceAsync(offer.Id, body, cancellationToken).ConfigureAwait(false);
            switch (outcome.Kind)
            {
                case VastCreateOutcomeKind.Created:
                    logger.InstanceCreated(outcome.InstanceId!.Value, offer.Id, offer.MachineId, label);
                    return RentedInstance.FromOffer(outcome.InstanceId.Value, offer, request.DiskGb, price, foundByLabel: false);
                case VastCreateOutcomeKind.OfferGone:
                    logger.OfferTaken(offer.Id, outcome.Detail);
                    await DestroyStrayAsync(outcome.StrayInstanceId, offer, cancellationToken).ConfigureAwait(false);
                    return null;
                case VastCreateOutcomeKind.Refused:
                    await DestroyStrayAsync(outcome.StrayInstanceId, offer, cancellationToken).ConfigureAwait(false);
                    throw new VastApiException($"Vast refused to rent offer {offer.Id}: {outcome.Detail}", VastEndpoint.Create, outcome.StatusCode, outcome.ErrorCode, isTransient: false);
                default:
                    logger.CreateAnswerLost(label, offer.Id, outcome.Detail, attempt);
                    if (await FindAfterLostAnswerAsync(label, cancellationToken).ConfigureAwait(false) is { } found)
                    {
                        logger.InstanceFoundByLabel(found.Id, label);
                        return RentedInstance.FromOffer(found.Id, offer, request.DiskGb, price, foundByLabel: true);
                    }

                    break;
            }
        }

        throw new VastApiException($"Vast never confirmed renting offer {offer.Id} after {attempts} attempts, and no instance carries the label {label}", VastEndpoint.Create, null, null, isTransient: true);
    }

    private async Task<VastInstance?> FindAfterLostAnswerAsync(string label, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        for (var lookup = 1; lookup <= settings.CreateLookupAttempts; lookup++)
        {
            if (await FindByLabelAsync(label, cancellationToken).ConfigureAwait(false) is { } found)
            {
                return found;
            }

            if (lookup < settings.CreateLookupAttempts)
            {
                // A just-created instance can take a moment to appear in the listing.
                await Task.Delay(settings.CreateLookupDelay, time, cancellationToken).ConfigureAwait(false);
            }
        }

        return null;
    }

    private async Task DestroyStrayAsync(long? instanceId, VastOffer offer, CancellationToken cancellationToken)
    {
        if (instanceId is not long stray)
        {
            return;
        }

        logger.StrayInstance(stray, offer.Id);
        try
        {
            await DestroyAsync(stray, cancellationToken).ConfigureAwait(false);
        }
        catch (VastApiException exception) when (exception is not VastAuthenticationException)
        {
            // Its label is ours and no run claims its id, so the orphan sweep destroys it if this did not.
            logger.StrayInstanceSurvived(stray, exception.Message);
        }
    }
}
