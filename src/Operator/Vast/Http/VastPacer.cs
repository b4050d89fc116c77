using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast.Http;

/// <summary>Spaces requests to each Vast endpoint by at least its configured interval, in arrival order.</summary>
/// <remarks>
/// Vast answers 429 to a second call within its per-endpoint threshold and sends no Retry-After,
/// so waiting our turn is cheaper than being refused. Each caller reserves the next free slot and
/// sleeps until it; a cancelled caller simply leaves its slot unused.
/// </remarks>
internal sealed class VastPacer(TimeProvider time, IOptionsMonitor<VastOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<VastEndpoint, DateTimeOffset> _nextFree = [];

    /// <summary>Waits until the endpoint may be called again.</summary>
    public async ValueTask WaitTurnAsync(VastEndpoint endpoint, CancellationToken cancellationToken)
    {
        var spacing = options.CurrentValue.Pacing.For(endpoint);
        if (spacing <= TimeSpan.Zero)
        {
            return;
        }

        var now = time.GetUtcNow();
        DateTimeOffset slot;
        lock (_gate)
        {
            slot = _nextFree.TryGetValue(endpoint, out var next) && next > now ? next : now;
            _nextFree[endpoint] = slot + spacing;
        }

        var wait = slot - now;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
