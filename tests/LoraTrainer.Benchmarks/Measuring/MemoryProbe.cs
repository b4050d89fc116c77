using System.Globalization;
using System.Runtime;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>The process's memory: resident set (what the kernel charges) and the managed heap.</summary>
internal readonly record struct MemoryReading(long ResidentBytes, long ManagedHeapBytes)
{
    public static MemoryReading operator -(MemoryReading a, MemoryReading b) =>
        new(a.ResidentBytes - b.ResidentBytes, a.ManagedHeapBytes - b.ManagedHeapBytes);
}

/// <summary>Reads memory now, or after a full compacting collection (the steady figure, free of garbage).</summary>
internal static class MemoryProbe
{
    private static readonly long PageSize = Environment.SystemPageSize;

    /// <summary>Collects everything collectable first, so the reading shows what is really held.</summary>
    public static MemoryReading AfterFullCollection()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return Now();
    }

    /// <summary>The current reading, without collecting.</summary>
    public static MemoryReading Now() => new(ResidentBytes(), GC.GetTotalMemory(forceFullCollection: false));

    /// <summary>The resident set size from /proc/self/statm (cheap enough to sample every few milliseconds).</summary>
    public static long ResidentBytes()
    {
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * PageSize;
        }
        catch (IOException)
        {
            return Environment.WorkingSet;
        }
    }
}
