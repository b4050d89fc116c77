using System.Globalization;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Another process's resident set as the kernel counts it: now (VmRSS) and its highest so far (VmHWM).</summary>
/// <remarks>The kernel keeps the high-water mark itself, so the peak needs no sampling and cannot be missed.</remarks>
internal readonly record struct ProcessMemory(long ResidentBytes, long PeakResidentBytes)
{
    /// <summary>Reads <c>/proc/&lt;pid&gt;/status</c> (Linux only).</summary>
    public static ProcessMemory Read(int processId)
    {
        long rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kibibytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kibibytes(line);
            }
        }

        return new ProcessMemory(rss, hwm);
    }

    // "VmRSS:	  123456 kB"
    private static long Kibibytes(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}
