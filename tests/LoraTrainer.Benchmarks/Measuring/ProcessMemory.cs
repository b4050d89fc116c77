using System.Globalization;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>
/// Another process's resident set as the kernel counts it: now (VmRSS) and its highest so far (VmHWM), and what the
/// current one is made of: pages backed by files (the executable, the runtime's and other libraries' code and data)
/// and anonymous pages (every heap, managed or native, and the threads' stacks).
/// </summary>
/// <remarks>The kernel keeps the high-water mark itself, so the peak needs no sampling and cannot be missed.</remarks>
internal readonly record struct ProcessMemory(long ResidentBytes, long PeakResidentBytes, long FileBackedBytes = 0, long AnonymousBytes = 0)
{
    /// <summary>Reads <c>/proc/&lt;pid&gt;/status</c> (Linux only).</summary>
    public static ProcessMemory Read(int processId)
    {
        long rss = 0, hwm = 0, file = 0, anonymous = 0;
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
            else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
            {
                file = Kibibytes(line);
            }
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
            {
                anonymous = Kibibytes(line);
            }
        }

        return new ProcessMemory(rss, hwm, file, anonymous);
    }

    // "VmRSS:	  123456 kB"
    private static long Kibibytes(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
}
