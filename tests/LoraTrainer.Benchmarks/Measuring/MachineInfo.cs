using System.Globalization;
using System.Runtime.InteropServices;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>What the figures were measured on: cores, memory, CPU, runtime, and when.</summary>
internal sealed record MachineInfo(int Cores, long MemoryBytes, string Cpu, string Os, string Runtime, DateTimeOffset Date, bool ServerGc)
{
    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        ProcValue("/proc/meminfo", "MemTotal:") is { } kb ? long.Parse(kb.Split(' ')[0], CultureInfo.InvariantCulture) * 1024 : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
        ProcValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        TimeProvider.System.GetUtcNow(),
        System.Runtime.GCSettings.IsServerGC);

    /// <summary>The 1, 5 and 15 minute load averages (Linux), or "n/a". Other builds share this machine: quote it with every figure.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static string? ProcValue(string file, string key)
    {
        try
        {
            return File.ReadLines(file)
                .FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?
                .Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
