using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.Startup;

/// <summary>Prints the startup benchmark's figures: medians over fresh processes.</summary>
internal static class StartupReport
{
    public static void Print(Report report, TimeSpan idle, int runs, IReadOnlyList<StartupRun> receiver, IReadOnlyList<StartupRun> empty, IReadOnlyList<StartupRun> loaded)
    {
        report.Section("receiver: cold start (process start → …), then idle");
        Times(report, receiver, ("/readyz answers 200", r => r.Ready), ("first signed config GET answered", r => r.FirstRequest));
        Memory(report, receiver, idle);

        report.Section("operator, no runs in the cluster: cold start, then idle");
        Times(report, empty, ("/readyz answers 200", r => r.Ready), ("lease acquired (its write reached the API)", r => r.Lease),
            ("informer synced (its watch reached the API)", r => r.Synced));
        Memory(report, empty, idle);

        report.Section($"operator, {runs} completed runs in the cluster: cold start, then idle");
        Times(report, loaded, ("/readyz answers 200", r => r.Ready), ("lease acquired (its write reached the API)", r => r.Lease),
            ("informer synced (its watch reached the API)", r => r.Synced), ("first reconcile done (/metrics)", r => r.FirstReconcile),
            ($"all {runs} runs reconciled (/metrics)", r => r.AllReconciled));
        Memory(report, loaded, idle);

        report.Note(Components.GarbageCollectors() + ".");
        report.Note("times run from just before the process is started (dotnet <program>.dll) and include the runtime's own start; each repeat is a fresh process.");
        report.Note("with leader election (the chart's default) /readyz also answers 200 while a replica stands by; a leader answers 200 once its informer is synced.");
    }

    private static void Times(Report report, IReadOnlyList<StartupRun> runs, params (string Label, Func<StartupRun, TimeSpan?> Pick)[] times)
    {
        foreach (var (label, pick) in times)
        {
            report.Repeated(label, [.. runs.Select(r => pick(r)?.TotalMilliseconds ?? double.NaN)], "ms");
        }

        report.Repeated("CPU used until ready (user + system)", [.. runs.Select(r => r.CpuToReady.TotalMilliseconds)], "ms");
    }

    private static void Memory(Report report, IReadOnlyList<StartupRun> runs, TimeSpan idle)
    {
        report.Repeated($"resident set after {idle.TotalSeconds:N0} s idle (VmRSS)", [.. runs.Select(r => r.Idle.ResidentBytes / 1048576.0)], "MiB", "N1");
        report.Repeated("peak resident set so far (VmHWM)", [.. runs.Select(r => r.Idle.PeakResidentBytes / 1048576.0)], "MiB", "N1");
        report.Repeated("managed heap (dotnet_total_memory_bytes)", [.. runs.Select(r => r.ManagedHeapBytes / 1048576.0)], "MiB", "N1");
    }
}
