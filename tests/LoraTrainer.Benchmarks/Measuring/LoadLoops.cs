namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Runs an operation in a number of concurrent loops for a fixed time and counts what completed.</summary>
internal static class LoadLoops
{
    /// <summary>
    /// Runs <paramref name="operation"/> (given the loop's number and its iteration) in <paramref name="concurrency"/>
    /// loops until <paramref name="duration"/> has passed; returns completed operations per second.
    /// </summary>
    public static async Task<double> RunAsync(int concurrency, TimeSpan duration, Func<int, long, CancellationToken, Task> operation,
        LatencyRecorder? latencies, CancellationToken cancellationToken)
    {
        var time = TimeProvider.System;
        var started = time.GetTimestamp();
        long completed = 0;
        var loops = Enumerable.Range(0, concurrency).Select(loop => Task.Run(async () =>
        {
            for (long i = 0; time.GetElapsedTime(started) < duration; i++)
            {
                var before = time.GetTimestamp();
                await operation(loop, i, cancellationToken);
                latencies?.Add(time.GetElapsedTime(before));
                Interlocked.Increment(ref completed);
            }
        }, cancellationToken));
        await Task.WhenAll(loops);
        return completed / time.GetElapsedTime(started).TotalSeconds;
    }
}
