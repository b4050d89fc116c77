namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Waits for a condition that something else makes true.</summary>
internal static class Poll
{
    /// <summary>Waits until <paramref name="condition"/> holds, looking every 2 ms; throws after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        while (!condition())
        {
            if (time.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:N0} s waiting for {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), time, cancellationToken);
        }
    }
}
