using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast.Http;

/// <summary>Lets one request at a time through to each Vast endpoint, starting at least its spacing after the previous answer.</summary>
/// <remarks>
/// Vast answers 429 (without Retry-After) to a second call within its per-endpoint threshold, counted
/// when requests arrive. Counting the spacing from the previous <em>answer</em> rather than the previous
/// send guarantees arrivals are at least that far apart, whatever the network or the host's load does
/// to the moment a request actually leaves.
/// </remarks>
internal sealed class VastPacer(TimeProvider time, IOptionsMonitor<VastOptions> options)
{
    private readonly ConcurrentDictionary<VastEndpoint, Gate> _gates = new();

    /// <summary>Waits for the endpoint's turn; dispose the lease when the answer has arrived.</summary>
    public async ValueTask<IDisposable> EnterAsync(VastEndpoint endpoint, CancellationToken cancellationToken)
    {
        var spacing = options.CurrentValue.Pacing.For(endpoint);
        if (spacing <= TimeSpan.Zero)
        {
            return Gate.NoWait;
        }

        var gate = _gates.GetOrAdd(endpoint, _ => new Gate(time));
        await gate.Turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var wait = gate.LastAnswer + spacing - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            return gate;
        }
        catch
        {
            gate.Turn.Release();
            throw;
        }
    }

    private sealed class Gate(TimeProvider time) : IDisposable
    {
        public static readonly IDisposable NoWait = new Gate(TimeProvider.System);

        public SemaphoreSlim Turn { get; } = new(1, 1);

        public DateTimeOffset LastAnswer { get; private set; } = DateTimeOffset.MinValue;

        // Ends the current request's turn; the pacer hands out one lease at a time, so this runs once per turn.
        public void Dispose()
        {
            if (ReferenceEquals(this, NoWait))
            {
                return;
            }

            LastAnswer = time.GetUtcNow();
            Turn.Release();
        }
    }
}
