namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>How benchmarks wait for what they time.</summary>
internal static class Poll
{
    /// <summary>How often a benchmark looks at a condition it waits for: 2 ms, so the wait adds little to the time it measures.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(2);
}
