namespace LoraTrainer.Agent.Running;

/// <summary>Exponential backoff with jitter, so many agents retrying after a receiver outage do not arrive together.</summary>
/// <param name="BaseDelay">The first delay.</param>
/// <param name="MaxDelay">The longest delay.</param>
internal sealed record Backoff(TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    /// <summary>The delay before retry number <paramref name="attempt"/> (1-based): between half and all of the capped exponential.</summary>
    /// <param name="attempt">Which retry this is, from 1.</param>
    /// <param name="jitter">A number in [0, 1), usually random.</param>
    public TimeSpan DelayFor(int attempt, double jitter)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var capped = Math.Min(BaseDelay.TotalMilliseconds * Math.Pow(2, exponent), MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (capped / 2 * Math.Clamp(jitter, 0, 1)));
    }

    /// <summary>Waits the delay for <paramref name="attempt"/> on <paramref name="time"/>.</summary>
    public Task WaitAsync(int attempt, TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(DelayFor(attempt, Random.Shared.NextDouble()), time, cancellationToken);
}
