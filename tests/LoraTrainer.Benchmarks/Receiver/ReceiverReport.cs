using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.Receiver;

/// <summary>Prints the receiver benchmark's figures and checks them against issue 12's goals.</summary>
internal static class ReceiverReport
{
    private const double EventsGoal = 2000;
    private const double WritesGoal = 12;
    private const string StatusWrite = "PATCH trainingruns/status";

    public static void Print(Report report, ProgramBuild? build, int runs, IReadOnlyList<ThroughputRun> throughput, FloodRun flood, int rate, TimeSpan floodDuration)
    {
        IReadOnlyList<double> Of(Func<ThroughputRun, double> pick) => [.. throughput.Select(pick)];
        var where = build is null ? "receiver in the benchmark process" : $"{build.Name} build of the receiver as its own process";

        report.Section($"sustained signed progress events: {runs} runs, one request in flight each ({where})");
        report.Note("Receiver:EventsPerSecondPerRun=10000 and Receiver:EventBurstPerRun=100000 here, so the per-run rate limit (default 20/s, burst 100) never answers 429.");
        report.Note("All agents share 127.0.0.1, so the per-client limit (default 200/s, burst 400) is raised in both parts, as if each had its own address.");
        report.Repeated("events/s answered", Of(r => r.Load.PerSecond), "/s");
        report.Repeated("CPU per event (agents + receiver + fake)", Of(r => r.Load.CpuMicrosecondsEach), "µs");
        report.Repeated("events/s the CPU cost allows on idle cores", Of(r => r.Load.CapacityPerSecond), "/s");
        if (build is not null)
        {
            report.Repeated("  of which the receiver process", Of(r => r.ReceiverCpu.TotalMicroseconds / Math.Max(1, r.Load.Completed)), "µs");
            report.Figure("receiver resident set: idle / peak", $"{Mib(throughput[0].IdleMemory!.Value.ResidentBytes):N1} MiB / {Mib(throughput[^1].Memory!.Value.PeakResidentBytes):N1} MiB");
        }

        report.Repeated("latency p50", Of(r => r.P50Ms), "ms", "N1");
        report.Repeated("latency p99", Of(r => r.P99Ms), "ms", "N1");
        report.Figure("answers (all runs)", Answers(throughput.SelectMany(r => r.Statuses)));
        report.Repeated("status writes per run per minute at this rate", Of(r => r.Requests[StatusWrite] / (double)runs / r.Duration.TotalMinutes), "", "N1");
        var median = Samples.Median(Of(r => r.Load.PerSecond));
        var capacity = Samples.Median(Of(r => r.Load.CapacityPerSecond));
        report.Figure("goal ≥ 2,000 events/s on 2 cores, as measured", median >= EventsGoal ? "met" : $"missed by {EventsGoal - median:N0}/s ({median / EventsGoal:P0} of the goal)");
        report.Figure("goal ≥ 2,000 events/s on 2 cores, by CPU cost", capacity >= EventsGoal ? "met" : $"missed ({capacity / EventsGoal:P0} of the goal)");

        var target = runs * rate;
        var writes = flood.Runs.Select(r => r.Requests[StatusWrite] / floodDuration.TotalMinutes).ToList();
        var afterFirst = flood.Runs.Select(r => (r.Requests[StatusWrite] - 1) / floodDuration.TotalMinutes).ToList();
        report.Section($"progress flood: {rate} events/s per run for {floodDuration.TotalSeconds:N0} s, default receiver settings");
        report.Figure("events/s sent (target)", $"{flood.Load.PerSecond:N0} ({target:N0})");
        report.Figure("CPU busy (whole process, share of all cores)", $"{flood.Load.Cpu / (flood.Load.Elapsed * Environment.ProcessorCount):P0}");
        report.Figure("latency p50 / p99", $"{flood.P50Ms:N1} ms / {flood.P99Ms:N1} ms");
        report.Figure("answers", Answers(flood.Statuses));
        report.Figure("status writes per run per minute: mean / max", $"{writes.Average():N1} / {writes.Max():N1}");
        report.Figure("  not counting each run's first write", $"{afterFirst.Average():N1} / {afterFirst.Max():N1}");
        foreach (var verb in flood.Runs.SelectMany(r => r.Requests.ByVerb.Keys).Distinct().Where(v => v != StatusWrite).Order(StringComparer.Ordinal))
        {
            report.Figure($"{verb} per run per minute (mean)", $"{flood.Runs.Average(r => r.Requests[verb]) / floodDuration.TotalMinutes:N2}");
        }

        report.Figure("runs whose status holds their last event", $"{flood.Runs.Count(r => r.LatestWritten)} of {flood.Runs.Count}");
        report.Figure("goal ≤ 12 writes per run per minute", writes.Max() <= WritesGoal ? "met"
            : afterFirst.Max() <= WritesGoal ? $"met once flowing ({afterFirst.Max():N1}); the first event of each run is written at once, so this window holds {writes.Max():N1}"
            : $"missed: {writes.Max():N1} at most, {writes.Average():N1} on average");
        report.Note(build is null
            ? "agents, receiver and Kubernetes fake share the process and its cores: signing, JSON and HTTP client work count against the receiver's figures."
            : "agents and Kubernetes fake share the benchmark process, the receiver has its own; both compete for the same cores, and CPU per event counts both.");
        report.Note(LoadNotes.Capacity);
    }

    /// <summary>The receiver builds side by side (medians of the throughput part), each against the first.</summary>
    public static void Compare(Report report, IReadOnlyList<(ProgramBuild Build, IReadOnlyList<ThroughputRun> Throughput, FloodRun Flood)> builds)
    {
        report.Section($"side by side: {string.Join(" against ", builds.Select(b => b.Build.Name))} (medians)");
        Row(report, builds, "events/s answered", "/s", "N0", runs => Samples.Median([.. runs.Select(r => r.Load.PerSecond)]));
        Row(report, builds, "receiver CPU per event", "µs", "N0", runs => Samples.Median([.. runs.Select(r => r.ReceiverCpu.TotalMicroseconds / Math.Max(1, r.Load.Completed))]));
        Row(report, builds, "latency p99", "ms", "N1", runs => Samples.Median([.. runs.Select(r => r.P99Ms)]));
        Row(report, builds, "receiver idle", "MiB", "N1", runs => Mib(runs[0].IdleMemory!.Value.ResidentBytes));
        Row(report, builds, "receiver peak (VmHWM)", "MiB", "N1", runs => Mib(runs[^1].Memory!.Value.PeakResidentBytes));
    }

    private static void Row(Report report, IReadOnlyList<(ProgramBuild Build, IReadOnlyList<ThroughputRun> Throughput, FloodRun Flood)> builds,
        string label, string unit, string format, Func<IReadOnlyList<ThroughputRun>, double> pick) =>
        report.SideBySide(label, [.. builds.Select(b => (b.Build.Name, pick(b.Throughput)))], unit, format);

    private static double Mib(long bytes) => bytes / 1048576.0;

    private static string Answers(IEnumerable<KeyValuePair<int, int>> statuses) =>
        string.Join(", ", statuses.GroupBy(s => s.Key).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Sum(s => s.Value):N0}"));
}
