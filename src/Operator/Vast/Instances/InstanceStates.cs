using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Credentials;

namespace LoraTrainer.Operator.Vast.Instances;

/// <summary>
/// The account's instances read as one listing that every run's health check shares. Vast paces reads of single
/// instances (one every 2 s), so one read per run would let only a dozen runs be checked every 30 s; a listing
/// answers 25 instances per paced page.
/// </summary>
/// <remarks>
/// An instance missing from the listing (rented after it began, or gone) is read on its own before it is called
/// gone. Runs renting with their own Vast key are in another account and are always read on their own.
/// </remarks>
internal sealed class InstanceStates(VastProvider vast, TimeProvider time)
{
    private readonly SemaphoreSlim _listing = new(1, 1);
    private Listing? _latest;

    /// <summary>The instance as a listing at most <paramref name="maxAge"/> old shows it; null once it is gone.</summary>
    public async Task<VastInstance?> GetAsync(long instanceId, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        if (VastApiKeyScope.Current is not null)
        {
            return await vast.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }

        var listing = await ListingAsync(maxAge, cancellationToken).ConfigureAwait(false);
        return listing.Instances.TryGetValue(instanceId, out var instance)
            ? instance
            : await vast.GetInstanceAsync(instanceId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Listing> ListingAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        if (Fresh(maxAge) is { } fresh)
        {
            return fresh;
        }

        await _listing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another check may have listed while this one waited.
            if (Fresh(maxAge) is { } listed)
            {
                return listed;
            }

            var startedAt = time.GetUtcNow();
            var instances = new Dictionary<long, VastInstance>();
            await foreach (var instance in vast.ListInstancesAsync(null, cancellationToken).ConfigureAwait(false))
            {
                instances[instance.Id] = instance;
            }

            return _latest = new Listing(startedAt, instances);
        }
        finally
        {
            _listing.Release();
        }
    }

    private Listing? Fresh(TimeSpan maxAge) => _latest is { } latest && time.GetUtcNow() - latest.StartedAt < maxAge ? latest : null;

    private sealed record Listing(DateTimeOffset StartedAt, IReadOnlyDictionary<long, VastInstance> Instances);
}
