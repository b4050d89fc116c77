namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Samples memory on a dedicated thread while an operation runs and keeps the highest reading.</summary>
/// <remarks>A dedicated thread rather than a timer, so a busy thread pool cannot make it miss the peak.</remarks>
internal sealed class PeakMemorySampler : IDisposable
{
    private readonly Thread _thread;
    private readonly TimeSpan _interval;
    private volatile bool _stopping;
    private long _peakResident;
    private long _peakManaged;

    private PeakMemorySampler(TimeSpan interval)
    {
        _interval = interval;
        _thread = new Thread(Sample) { IsBackground = true, Name = "memory sampler" };
    }

    public MemoryReading Peak => new(Interlocked.Read(ref _peakResident), Interlocked.Read(ref _peakManaged));

    public static PeakMemorySampler Start(TimeSpan? interval = null)
    {
        var sampler = new PeakMemorySampler(interval ?? TimeSpan.FromMilliseconds(20));
        sampler.Record();
        sampler._thread.Start();
        return sampler;
    }

    /// <summary>Stops sampling (after one last reading) and returns the peak.</summary>
    public MemoryReading Stop()
    {
        _stopping = true;
        _thread.Join();
        Record();
        return Peak;
    }

    public void Dispose()
    {
        if (!_stopping)
        {
            Stop();
        }
    }

    private void Sample()
    {
        while (!_stopping)
        {
            Record();
            Thread.Sleep(_interval);
        }
    }

    private void Record()
    {
        var now = MemoryProbe.Now();
        Max(ref _peakResident, now.ResidentBytes);
        Max(ref _peakManaged, now.ManagedHeapBytes);
    }

    private static void Max(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
