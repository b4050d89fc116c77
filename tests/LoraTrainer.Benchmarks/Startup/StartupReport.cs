using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.Startup;

/// <summary>Prints the startup benchmark's figures: medians over fresh processes.</summary>
internal static class StartupReport
{
    private static readonly (string Label, Func<StartupRun, TimeSpan?> Pick)[] OperatorSteps =
    [
        ("first API request (the CRD check)", r => r.FirstRequest),
        ("lease acquired (its write reached the API)", r => r.Lease),
        ("informer's LIST reached the API", r => r.Listed),
        ("/readyz answers 200 (leading, informer synced)", r => r.Ready),
        ("informer's WATCH reached the API", r => r.Watched),
    ];

    public static void Print(Report report, ProgramBuild build, TimeSpan idle, int runs, IReadOnlyList<StartupRun> receiver, IReadOnlyList<StartupRun> empty, IReadOnlyList<StartupRun> loaded)
    {
        report.Section($"{build.Name} build: receiver: cold start (process start → …), then idle");
        Times(report, receiver, ("/readyz answers 200", r => r.Ready), ("first signed config GET answered", r => r.FirstAgentRequest));
        Memory(report, receiver, idle);

        report.Section($"{build.Name} build: operator, no runs in the cluster: cold start, then idle");
        Times(report, empty, OperatorSteps);
        Memory(report, empty, idle);

        report.Section($"{build.Name} build: operator, {runs} completed runs in the cluster: cold start, then idle");
        Times(report, loaded, [.. OperatorSteps, ("first reconcile done (/metrics)", r => r.FirstReconcile), ($"all {runs} runs reconciled (/metrics)", r => r.AllReconciled)]);
        Memory(report, loaded, idle);

        report.Note(Components.GarbageCollectors(build) + ".");
        report.Note(build.IsNative
            ? "times run from just before the Native AOT executable is started; each repeat is a fresh process."
            : "times run from just before the process is started (dotnet <program>.dll) and include the runtime's own start; each repeat is a fresh process.");
        report.Note("API times are when the request reached the fake. Leader election is on, as in the chart: a replica standing by would answer /readyz at once.");
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
        report.Repeated("  of which file-backed (the executable, libraries: RssFile)", [.. runs.Select(r => r.Idle.FileBackedBytes / 1048576.0)], "MiB", "N1");
        report.Repeated("  of which anonymous (heaps, stacks: RssAnon)", [.. runs.Select(r => r.Idle.AnonymousBytes / 1048576.0)], "MiB", "N1");
        report.Repeated("GC committed at its last collection", [.. runs.Select(r => r.GcCommittedBytes / 1048576.0)], "MiB", "N1");
        report.Repeated("managed heap (dotnet_total_memory_bytes)", [.. runs.Select(r => r.ManagedHeapBytes / 1048576.0)], "MiB", "N1");
    }
}
