namespace LoraTrainer.Agent.Running;

/// <summary>
/// Cancels a transfer that stops making progress: <see cref="Token"/> is cancelled when <see cref="Progressed"/> has
/// not been called for the timeout (or when the caller's token is). A connection that hangs without closing would
/// otherwise hold the run forever, since transfers have no overall time limit (a model may take an hour).
/// </summary>
internal sealed class StallWatch : IDisposable
{
    private readonly TimeSpan _timeout;
    private readonly CancellationTokenSource _stall;
    private readonly CancellationTokenSource _linked;

    /// <summary>Starts the countdown on <paramref name="time"/>.</summary>
    public StallWatch(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        _timeout = timeout;
        _stall = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stall.Token);
    }

    /// <summary>Cancelled on a stall or when the caller cancels.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>True when the countdown ran out (as opposed to the caller cancelling).</summary>
    public bool Stalled => _stall.IsCancellationRequested;

    /// <summary>Bytes moved: restarts the countdown.</summary>
    public void Progressed()
    {
        try
        {
            // The source was made with the TimeProvider, so CancelAfter runs on that clock too.
            _stall.CancelAfter(_timeout);
        }
        catch (ObjectDisposedException)
        {
            // The transfer already ended.
        }
    }

    public void Dispose()
    {
        _linked.Dispose();
        _stall.Dispose();
    }
}
