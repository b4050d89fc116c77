using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.Runtime;

/// <summary>Prints the runtime benchmark's figures: medians over runs, request counts from the first run.</summary>
internal static class RuntimeReport
{
    private const double MiB = 1048576.0;

    public static void Print(Report report, IReadOnlyList<RuntimeRun> runs, int objects, int workers)
    {
        IReadOnlyList<double> Of(Func<RuntimeRun, double> pick) => [.. runs.Select(pick)];

        report.Section($"initial sync: {objects:N0} TrainingRuns, {workers} workers, from controller start");
        report.Note("every run is a fresh process: code is compiled as it first runs, as in an operator after a restart.");
        report.Repeated("informer synced (LIST complete, cache filled)", Of(r => r.Synced.Elapsed.TotalMilliseconds), "ms");
        report.Repeated("  CPU spent until then (whole process)", Of(r => r.Synced.Cpu.TotalMilliseconds), "ms");
        report.Repeated("every object reconciled, its status written", Of(r => r.FirstPass.Elapsed.TotalMilliseconds), "ms");
        report.Repeated("  CPU spent until then (whole process)", Of(r => r.FirstPass.Cpu.TotalMilliseconds), "ms");
        report.Repeated("reconciles per object until quiet", Of(r => (double)r.Startup.Reconciles / objects), "", "N2");
        report.Repeated("status writes per object", Of(r => (double)r.Startup.Writes / objects), "", "N2");
        report.Repeated("failed reconciles (409s and other errors)", Of(r => r.Startup.Failures), "");

        report.Section("memory (one process holds the fake, its objects and the runtime)");
        report.Note("the fake's watch history (old versions of every written object) is compacted before both readings, so it does not count as the runtime's.");
        report.Repeated("before the runtime starts: resident", Of(r => r.Idle.ResidentBytes / MiB), "MiB", "N1");
        report.Repeated("before the runtime starts: managed heap", Of(r => r.Idle.ManagedHeapBytes / MiB), "MiB", "N1");
        report.Repeated("steady after sync: resident", Of(r => r.Steady.ResidentBytes / MiB), "MiB", "N1");
        report.Repeated("steady after sync: managed heap", Of(r => r.Steady.ManagedHeapBytes / MiB), "MiB", "N1");
        report.Repeated("runtime's share of the managed heap", Of(r => (r.Steady - r.Idle).ManagedHeapBytes / MiB), "MiB", "N1");
        report.Repeated("runtime's share of resident memory", Of(r => (r.Steady - r.Idle).ResidentBytes / MiB), "MiB", "N1");
        report.Repeated("peak resident during sync, above before", Of(r => (r.Peak - r.Idle).ResidentBytes / MiB), "MiB", "N1");

        report.Section($"reconcile throughput ({workers} workers, every key enqueued at once)");
        report.Repeated("reconciles/s, nothing to write (cache read, diff)", Of(r => r.NoWrite.Pass.PerSecond), "/s");
        report.Repeated("  CPU per reconcile", Of(r => r.NoWrite.Pass.CpuMicrosecondsEach), "µs");
        report.Repeated("reconciles/s, each writing status (PATCH)", Of(r => r.WithWrite.Pass.PerSecond), "/s");
        report.Repeated("  CPU per reconcile, fake's share and echo included", Of(r => r.WithWrite.Pass.CpuMicrosecondsEach), "µs");
        report.Repeated("  rate the CPU cost allows on idle cores", Of(r => r.WithWrite.Pass.CapacityPerSecond), "/s");
        report.Repeated("reconciles per object in the writing pass", Of(r => (double)r.WithWrite.Counts.Reconciles / objects), "", "N2");
        report.Note("a written status comes back through the watch and is reconciled once more (level-triggered); that reconcile writes nothing.");
        report.Note(LoadNotes.Capacity);

        var requests = runs[0].Requests;
        report.Section($"API requests from controller start until quiet (run 1), per object of {objects:N0}");
        foreach (var (verb, count) in requests.ByVerb)
        {
            report.Figure(verb, $"{count:N0}  ({(double)count / objects:N3} per object)");
        }

        report.Figure("writes per object", $"{(double)requests.Writes / objects:N3}");
    }
}
