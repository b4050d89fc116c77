namespace LoraTrainer.Agent.Watchdog;

/// <summary>
/// Lets the watchdog stop the run from outside: the host links <see cref="Token"/> into the run's token, and the run
/// names <see cref="Reason"/> in its <c>failed</c> event instead of a bare "stopped".
/// </summary>
internal sealed class RunStop : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private volatile string? _reason;

    /// <summary>Cancelled once a stop is requested.</summary>
    public CancellationToken Token => _source.Token;

    /// <summary>Why the run was stopped; null until it is.</summary>
    public string? Reason => _reason;

    /// <summary>Stops the run for <paramref name="reason"/>; a second request keeps the first reason.</summary>
    public void Request(string reason)
    {
        Interlocked.CompareExchange(ref _reason, reason, null);
        _source.Cancel();
    }

    public void Dispose() => _source.Dispose();
}
