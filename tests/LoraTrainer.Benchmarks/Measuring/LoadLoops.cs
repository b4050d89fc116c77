namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>What a timed stretch of work did: how much, how long, and how much CPU the whole process spent on it.</summary>
/// <remarks>
/// CPU time is what makes figures from a shared machine comparable: wall-clock rates fall when other builds take
/// the cores, the CPU spent per operation hardly moves. <see cref="CapacityPerSecond"/> turns it into the rate
/// this process could sustain with every core to itself.
/// </remarks>
internal sealed record LoadResult(long Completed, TimeSpan Elapsed, TimeSpan Cpu)
{
    public double PerSecond => Completed / Elapsed.TotalSeconds;

    /// <summary>CPU time of the whole process (server, client and fakes alike) per completed operation, in microseconds.</summary>
    public double CpuMicrosecondsEach => Cpu.TotalMicroseconds / Math.Max(1, Completed);

    /// <summary>Operations per second if the process had all of the machine's cores and nothing else ran.</summary>
    public double CapacityPerSecond => Environment.ProcessorCount * 1_000_000 / CpuMicrosecondsEach;

    /// <summary>Times <paramref name="work"/>, which returns how many operations it completed.</summary>
    public static async Task<LoadResult> MeasureAsync(Func<Task<long>> work)
    {
        var time = TimeProvider.System;
        var cpu = Environment.CpuUsage.TotalTime;
        var started = time.GetTimestamp();
        var completed = await work();
        return new LoadResult(completed, time.GetElapsedTime(started), Environment.CpuUsage.TotalTime - cpu);
    }
}

/// <summary>Runs an operation in a number of concurrent loops for a fixed time and counts what completed.</summary>
internal static class LoadLoops
{
    /// <summary>
    /// Runs <paramref name="operation"/> (given the loop's number and its iteration) in <paramref name="concurrency"/>
    /// loops until <paramref name="duration"/> has passed.
    /// </summary>
    public static Task<LoadResult> RunAsync(int concurrency, TimeSpan duration, Func<int, long, CancellationToken, Task> operation,
        LatencyRecorder? latencies, CancellationToken cancellationToken) =>
        LoadResult.MeasureAsync(async () =>
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
            return completed;
        });
}
