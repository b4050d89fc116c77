using System.Threading.Channels;
using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// A work queue with client-go semantics: a key waits at most once; a key being processed is never handed to a
/// second worker, and an add during processing causes exactly one more run after it; failures back off per key
/// (exponential, reset by <see cref="Forget"/>); delayed adds use the injected clock. Nothing added is dropped
/// until shutdown.
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    private readonly object _gate = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly Dictionary<TKey, (DateTimeOffset Due, ITimer Timer)> _delayed = [];
    private readonly Channel<TKey> _ready = Channel.CreateUnbounded<TKey>(new UnboundedChannelOptions { SingleReader = false });
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private bool _shuttingDown;

    /// <summary>Creates a queue whose failure backoff runs from <paramref name="baseDelay"/> doubling up to <paramref name="maxDelay"/>.</summary>
    public WorkQueue(TimeProvider time, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        _time = time;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(5);
        _maxDelay = maxDelay ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>Keys waiting to be processed (not counting those being processed or delayed).</summary>
    public int Depth
    {
        get { lock (_gate) { return _dirty.Count - _dirty.Count(_processing.Contains); } }
    }

    /// <summary>Marks a key as needing processing.</summary>
    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (_shuttingDown || !_dirty.Add(key) || _processing.Contains(key))
            {
                return;
            }
        }

        _ready.Writer.TryWrite(key);
    }

    /// <summary>Adds the key after <paramref name="delay"/>; an earlier pending delay for the same key wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            var due = _time.GetUtcNow() + delay;
            if (_delayed.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = _time.CreateTimer(_ => Fire(key), null, delay, Timeout.InfiniteTimeSpan);
            _delayed[key] = (due, timer);
        }
    }

    /// <summary>Adds the key after its next backoff delay and returns that delay.</summary>
    public TimeSpan AddRateLimited(TKey key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var failures = _failures.GetValueOrDefault(key);
            _failures[key] = failures + 1;
            var factor = Math.Pow(2, Math.Min(failures, 30));
            delay = TimeSpan.FromTicks((long)Math.Min(_baseDelay.Ticks * factor, _maxDelay.Ticks));
        }

        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears the key's failure count, so its next failure starts from the base delay.</summary>
    public void Forget(TKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>How many consecutive failures the key has had.</summary>
    public int Failures(TKey key)
    {
        lock (_gate)
        {
            return _failures.GetValueOrDefault(key);
        }
    }

    /// <summary>Waits for a key and marks it as being processed; call <see cref="Done"/> afterwards. Throws <see cref="ChannelClosedException"/> once shut down.</summary>
    public async ValueTask<TKey> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_shuttingDown)
                {
                    throw new ChannelClosedException("the work queue is shut down");
                }

                // A key can be in the channel while already being processed only through a race with Done; skip it.
                if (_processing.Contains(key) || !_dirty.Remove(key))
                {
                    continue;
                }

                _processing.Add(key);
                return key;
            }
        }
    }

    /// <summary>Ends processing of a key; if it was added meanwhile, it is queued again.</summary>
    public void Done(TKey key)
    {
        bool again;
        lock (_gate)
        {
            _processing.Remove(key);
            again = _dirty.Contains(key) && !_shuttingDown;
        }

        if (again)
        {
            _ready.Writer.TryWrite(key);
        }
    }

    /// <summary>Stops accepting keys; workers finish what they hold and then see the queue closed.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            _shuttingDown = true;
            foreach (var (_, pending) in _delayed)
            {
                pending.Timer.Dispose();
            }

            _delayed.Clear();
        }

        _ready.Writer.TryComplete();
    }

    /// <inheritdoc />
    public void Dispose() => ShutDown();

    private void Fire(TKey key)
    {
        lock (_gate)
        {
            if (_delayed.Remove(key, out var pending))
            {
                pending.Timer.Dispose();
            }
        }

        Add(key);
    }
}
