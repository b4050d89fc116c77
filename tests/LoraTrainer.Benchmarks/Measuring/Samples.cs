namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Order statistics of a set of measurements.</summary>
internal static class Samples
{
    /// <summary>The median (mean of the middle two for an even count); NaN when empty.</summary>
    public static double Median(IEnumerable<double> values) => Percentile(values, 50);

    /// <summary>The <paramref name="percent"/>th percentile, interpolated between closest ranks; NaN when empty.</summary>
    public static double Percentile(IEnumerable<double> values, double percent)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = percent / 100 * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
