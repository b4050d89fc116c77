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

    public static void Print(Report report, TimeSpan idle, int runs, IReadOnlyList<StartupRun> receiver, IReadOnlyList<StartupRun> empty, IReadOnlyList<StartupRun> loaded)
    {
        report.Section("receiver: cold start (process start → …), then idle");
        Times(report, receiver, ("/readyz answers 200", r => r.Ready), ("first signed config GET answered", r => r.FirstAgentRequest));
        Memory(report, receiver, idle);

        report.Section("operator, no runs in the cluster: cold start, then idle");
        Times(report, empty, OperatorSteps);
        Memory(report, empty, idle);

        report.Section($"operator, {runs} completed runs in the cluster: cold start, then idle");
        Times(report, loaded, [.. OperatorSteps, ("first reconcile done (/metrics)", r => r.FirstReconcile), ($"all {runs} runs reconciled (/metrics)", r => r.AllReconciled)]);
        Memory(report, loaded, idle);

        report.Note(Components.GarbageCollectors() + ".");
        report.Note("times run from just before the process is started (dotnet <program>.dll) and include the runtime's own start; each repeat is a fresh process.");
        report.Note("API times are when the request reached the fake. Leader election is on, as in the chart: a replica standing by would answer /readyz at once.");
    }

    /// <summary>The JIT receiver and the published Native AOT one, measured alternately in one run.</summary>
    public static void PrintReceivers(Report report, TimeSpan idle, IReadOnlyList<StartupRun> jit, IReadOnlyList<StartupRun> aot)
    {
        foreach (var (build, runs) in new[] { ("JIT (dotnet LoraTrainer.Webhook.dll)", jit), ("Native AOT (published LoraTrainer.Webhook)", aot) })
        {
            report.Section($"receiver, {build}: cold start (process start → …), then idle");
            Times(report, runs, ("/readyz answers 200", r => r.Ready), ("first signed config GET answered", r => r.FirstAgentRequest));
            Memory(report, runs, idle);
        }

        report.Note("JIT and Native AOT alternate, one fresh process each per repeat, so both see the same load.");
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
