namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>The spread of repeated latency measurements, in milliseconds: median, 99th percentile and worst.</summary>
internal sealed record Spread(int Count, double P50, double P99, double Max)
{
    public static Spread Of(IEnumerable<TimeSpan> samples)
    {
        var ms = samples.Select(s => s.TotalMilliseconds).ToList();
        return new Spread(ms.Count, Samples.Percentile(ms, 50), Samples.Percentile(ms, 99), ms.Count == 0 ? double.NaN : ms.Max());
    }

    /// <summary><c>p50 / p99 / max</c>, e.g. <c>312 / 420 / 433 ms</c>.</summary>
    public override string ToString() => $"{Report.Number(P50)} / {Report.Number(P99)} / {Report.Number(Max)} ms";
}
