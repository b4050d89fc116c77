namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Collects request latencies from many concurrent loops; cheap enough to call on every request.</summary>
internal sealed class LatencyRecorder
{
    private readonly Lock _gate = new();
    private readonly List<double> _milliseconds = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _milliseconds.Count;
            }
        }
    }

    public void Add(TimeSpan elapsed)
    {
        lock (_gate)
        {
            _milliseconds.Add(elapsed.TotalMilliseconds);
        }
    }

    public double PercentileMs(double percent)
    {
        lock (_gate)
        {
            return Samples.Percentile(_milliseconds, percent);
        }
    }
}
