using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.Scale;

/// <summary>Prints the scale benchmark's figures and checks them against issue 12's goals.</summary>
internal static class ScaleReport
{
    private const double OperatorPeakGoalMiB = 200;
    private const double WritesGoal = 25;

    public static void Print(Report report, ProgramBuild build, int runs, int agents, AgentScript script, TimeSpan boot, IReadOnlyList<ScaleRun> results)
    {
        IReadOnlyList<double> Of(Func<ScaleRun, double> pick) => [.. results.Select(pick)];
        var events = 6 + (script.Epochs * (script.ProgressPerEpoch + 1));

        report.Section($"{build.Name} build: lifecycle: {runs:N0} runs, {agents} agents at once, {script.Epochs} epochs, {events} events per run, {boot.TotalSeconds:N0} s boot");
        report.Repeated("first apply → every run finished, every GPU destroyed", Of(r => r.Elapsed.TotalSeconds), "s", "N1");
        report.Repeated("  of which applying every run", Of(r => r.ApplyTime.TotalSeconds), "s", "N1");
        report.Repeated("throughput", Of(r => runs / r.Elapsed.TotalSeconds), "runs/s", "N1");
        report.Figure("load average at the end of each measurement", string.Join("; ", results.Select(r => r.LoadAtEnd)));
        report.Figure("runs completed with their GPU released", string.Join(", ", results.Select(r => $"{r.CompletedRuns:N0} of {r.RunsFound:N0}")));
        report.Figure("runs failed by their agent (it could not use its dataset)", string.Join(", ", results.Select(r => $"{r.FailedByAgent.Count}")));
        foreach (var failure in results.SelectMany(r => r.FailedByAgent).Take(5))
        {
            report.Note($"failed: {failure}. s3rver stored the zip short: it answers UploadPart when its hashing stream ends, which can be before the part's file is written.");
        }

        report.Figure("instances created / alive at the end", string.Join(", ", results.Select(r => $"{r.Cost.Instances.Count:N0} / {r.Cost.AliveInstances}")));
        report.Figure("agents started / requests they repeated", string.Join(", ", results.Select(r => $"{r.Instances:N0} / {r.AgentRetries:N0}")));
        report.Figure("Vast bill (simulated ledger)", string.Join(", ", results.Select(r => $"${r.Cost.Dollars:N2} for {r.Cost.InstanceSeconds / 3600:N2} instance-hours")));

        report.Section("memory: each process's resident set, from the kernel (VmRSS, VmHWM)");
        report.Figure("garbage collectors", Components.GarbageCollectors(build));
        Memory(report, "operator", results.Select(r => r.Operator).ToList());
        Memory(report, "receiver", results.Select(r => r.Receiver).ToList());
        var peak = Samples.Median(Of(r => Mib(r.Operator.AtEnd.PeakResidentBytes)));
        report.Figure("goal: operator peak < 200 MB", peak < OperatorPeakGoalMiB ? $"met ({peak:N1} MiB)" : $"missed by {peak - OperatorPeakGoalMiB:N1} MiB ({peak:N1} MiB)");

        report.Section("CPU per run (user + system time of each process, from first apply to the end)");
        report.Repeated("operator", Of(r => r.Operator.Cpu.TotalMilliseconds / runs), "ms", "N2");
        report.Repeated("receiver", Of(r => r.Receiver.Cpu.TotalMilliseconds / runs), "ms", "N2");
        report.Repeated("both, share of the machine's cores", Of(r => (r.Operator.Cpu + r.Receiver.Cpu) / (r.Elapsed * Environment.ProcessorCount) * 100), "%", "N0");

        report.Section("Kubernetes API requests per run, by component (from the fake's request log, told apart by token)");
        Requests(report, "operator", results.Select(r => r.Operator.Requests).ToList(), runs);
        Requests(report, "receiver", results.Select(r => r.Receiver.Requests).ToList(), runs);
        report.Repeated("writes per run: operator", Of(r => r.Operator.Requests.Writes / (double)runs), "", "N2");
        report.Repeated("writes per run: receiver", Of(r => r.Receiver.Requests.Writes / (double)runs), "", "N2");
        var writes = Of(r => (r.Operator.Requests.Writes + r.Receiver.Requests.Writes) / (double)runs);
        report.Repeated("writes per run: both", writes, "", "N2");
        var median = Samples.Median(writes);
        report.Figure("goal: ≤ 25 writes per run", median <= WritesGoal ? $"met ({median:N2})" : $"missed by {median - WritesGoal:N2} ({median:N2})");
        report.Note($"the benchmark's own requests (applying the runs) are not counted: {Describe(results[^1].BenchmarkRequests, runs)} per run.");

        report.Section("operator reconciles and receiver events per run (from each process's /metrics)");
        foreach (var result in results.SelectMany(r => r.ReconcilesByResult.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            report.Repeated($"reconciles: {result}", Of(r => r.ReconcilesByResult.GetValueOrDefault(result) / runs), "", "N2");
        }

        report.Repeated("reconciles: all", Of(r => r.ReconcilesByResult.Values.Sum() / runs), "", "N2");
        foreach (var outcome in results.SelectMany(r => r.EventsByOutcome.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            report.Repeated($"agent events answered: {outcome}", Of(r => r.EventsByOutcome.GetValueOrDefault(outcome) / runs), "", "N2");
        }

        report.Repeated("progress events folded into a later write", Of(r => r.CoalescedProgress / runs), "", "N2");

        report.Section("Vast API calls per run, by endpoint and answer (from the simulator)");
        foreach (var route in results.SelectMany(r => r.VastCalls.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            report.Repeated(route, Of(r => r.VastCalls.GetValueOrDefault(route) / (double)runs), "", "N2");
        }

        report.Note(build.IsNative
            ? "operator, receiver: separate processes (the Native AOT executables published from src/Operator and src/Webhook); fakes and agents share the benchmark process and the same 2 cores."
            : "operator, receiver: separate processes (Release builds of src/Operator and src/Webhook); fakes and agents share the benchmark process and the same 2 cores.");
        report.Note("S3 requests are not counted: s3rver keeps no request log. Each agent makes 2 (the dataset GET and the output PUT).");
    }

    /// <summary>The builds side by side: medians of each, and each build against the first (the JIT build when it is named first).</summary>
    public static void Compare(Report report, int runs, IReadOnlyList<(ProgramBuild Build, IReadOnlyList<ScaleRun> Results)> builds)
    {
        report.Section($"side by side: {string.Join(" against ", builds.Select(b => b.Build.Name))} (medians)");
        Row(report, builds, "throughput", "runs/s", "N1", r => runs / r.Elapsed.TotalSeconds);
        Row(report, builds, "operator: ready and idle", "MiB", "N1", r => Mib(r.Operator.AtStart.ResidentBytes));
        Row(report, builds, "operator: peak (VmHWM)", "MiB", "N1", r => Mib(r.Operator.AtEnd.PeakResidentBytes));
        Row(report, builds, "operator: CPU per run", "ms", "N2", r => r.Operator.Cpu.TotalMilliseconds / runs);
        Row(report, builds, "receiver: ready and idle", "MiB", "N1", r => Mib(r.Receiver.AtStart.ResidentBytes));
        Row(report, builds, "receiver: peak (VmHWM)", "MiB", "N1", r => Mib(r.Receiver.AtEnd.PeakResidentBytes));
        Row(report, builds, "receiver: CPU per run", "ms", "N2", r => r.Receiver.Cpu.TotalMilliseconds / runs);
    }

    private static void Row(Report report, IReadOnlyList<(ProgramBuild Build, IReadOnlyList<ScaleRun> Results)> builds, string label, string unit, string format, Func<ScaleRun, double> pick) =>
        report.SideBySide(label, [.. builds.Select(b => (b.Build.Name, Samples.Median([.. b.Results.Select(pick)])))], unit, format);

    private static void Memory(Report report, string component, IReadOnlyList<ComponentFigures> figures)
    {
        report.Repeated($"{component}: ready and idle, before the first apply", [.. figures.Select(f => Mib(f.AtStart.ResidentBytes))], "MiB", "N1");
        report.Repeated($"{component}: peak (VmHWM)", [.. figures.Select(f => Mib(f.AtEnd.PeakResidentBytes))], "MiB", "N1");
        report.Repeated($"{component}: at the end", [.. figures.Select(f => Mib(f.AtEnd.ResidentBytes))], "MiB", "N1");
    }

    private static void Requests(Report report, string component, IReadOnlyList<RequestCounts> counts, int runs)
    {
        foreach (var verb in counts.SelectMany(c => c.ByVerb.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            report.Repeated($"{component}: {verb}", [.. counts.Select(c => c[verb] / (double)runs)], "", "N3");
        }

        report.Repeated($"{component}: all", [.. counts.Select(c => c.Total / (double)runs)], "", "N2");
    }

    private static string Describe(RequestCounts counts, int runs) =>
        string.Join(", ", counts.ByVerb.Select(kv => $"{kv.Key} {kv.Value / (double)runs:N2}"));

    private static double Mib(long bytes) => bytes / 1048576.0;
}
