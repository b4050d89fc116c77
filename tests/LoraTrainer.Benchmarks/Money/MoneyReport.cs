using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>Prints the money benchmark's figures and checks them against the goals of issues 8 and 12.</summary>
internal static class MoneyReport
{
    private static readonly TimeSpan ApplyGoal = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CompletionGoal = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DeadlineGoal = TimeSpan.FromSeconds(5);

    public static void Print(Report report, MoneyResults results)
    {
        var plan = results.Plan;
        if (results.FirstApply is { } first)
        {
            PrintApply(report, results, first);
            PrintCompletion(report, results.Completions);
        }

        if (results.PendingGpuDeadlines.Count > 0)
        {
            PrintDeadline(report, $"pendingGpu deadline ({Seconds(plan.Deadline)}) passed, the instance never reported", results.PendingGpuDeadlines);
        }

        if (results.HeartbeatDeadlines.Count > 0)
        {
            PrintDeadline(report, $"training heartbeat deadline ({Seconds(plan.Deadline)}) passed after the agent's last event", results.HeartbeatDeadlines);
        }

        if (results.LiveRun is { } live)
        {
            PrintSweep(report, results, live);
        }

        report.Section("conditions");
        report.Figure("operator settings", "defaults (Vast pacing, retries, destroy confirmation, 30 s instance checks, 8 workers, leader election)");
        report.Figure("  changed for the sweep measurement only", $"Vast:SweepInterval {Seconds(plan.SweepInterval)}, Vast:SweepGracePeriod {Seconds(plan.SweepGrace)}");
        report.Figure("  changed per run (spec.runPolicy)", $"deadline measurements: pendingGpu / heartbeat {Seconds(plan.Deadline)}, backoffLimit 0");
        report.Figure("receiver settings", "defaults");
        var calls = results.Calls.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        report.Figure("Vast 429 answers (rate limits enforced)", string.Join(", ", calls.Select(p => $"{p.Key} {p.Value.RateLimited}")));
        report.Figure("Vast DELETEs (of an instance already gone)", string.Join(", ", calls.Select(p => $"{p.Key} {p.Value.Destroys} ({p.Value.DestroysOfGone})")));
        report.Figure("wall-clock time of the measurements", $"{results.Elapsed.TotalSeconds:N0} s");
        report.Note("each measurement has its own Kubernetes API fake, Vast simulator, receiver and operator (so Vast pacing of one never delays another); all run at once in this process, with s3rver and the Civitai fake shared.");
        report.Note("end points: requests as the Kubernetes API fake and the Vast simulator received them; status changes as the fake stored them.");
    }

    private static void PrintApply(Report report, MoneyResults results, ApplySample first)
    {
        var applies = results.Applies;
        var dataset = results.Dataset;
        report.Section($"apply → Vast create (issue 8): {applies.Count} runs, the dataset's zip already in S3");
        report.Figure("dataset", $"{dataset.Images} images × {Report.Mebibytes(dataset.ImageBytes)}, a caption each ({Report.Mebibytes(dataset.TotalBytes)})");
        report.Figure("first apply of the dataset (zips it) → create", $"{Report.Number(first.Create.TotalMilliseconds)} ms, preparing {Report.Number((first.Prepared - first.Accepted).TotalMilliseconds)} ms");
        report.Figure("apply → create, p50 / p99 / max", Spread.Of(applies.Select(a => a.Create)).ToString());
        report.Figure("  POST → operator's first write (watch, queue)", Spread.Of(applies.Select(a => a.Seen)).ToString());
        report.Figure("  → status accepted", Spread.Of(applies.Select(a => a.Accepted - a.Seen)).ToString());
        report.Figure("  → Secret written (model, dataset, presign)", Spread.Of(applies.Select(a => a.Prepared - a.Accepted)).ToString());
        report.Figure("  → label lookup at Vast", Spread.Of(applies.Select(a => a.Lookup - a.Prepared)).ToString());
        report.Figure("  → offer search", Spread.Of(applies.Select(a => a.Search - a.Lookup)).ToString());
        report.Figure("  → create", Spread.Of(applies.Select(a => a.Create - a.Search)).ToString());
        var p50 = TimeSpan.FromMilliseconds(Spread.Of(applies.Select(a => a.Create)).P50);
        report.Figure("goal: p50 < 1 s, zip excluded", Goal(p50, ApplyGoal));
    }

    private static void PrintCompletion(Report report, IReadOnlyList<CompletionSample> completions)
    {
        report.Section($"completion event → instance destroyed: {completions.Count} runs, from sending the signed uploaded event");
        report.Figure("receiver answered (status.output written)", Spread.Of(completions.Select(c => c.Answered)).ToString());
        report.Figure("phase completed (upload verified in S3)", Spread.Of(completions.Select(c => c.Completed)).ToString());
        report.Figure("DELETE of the instance at Vast", Spread.Of(completions.Select(c => c.Destroyed)).ToString());
        report.Figure("read confirming it gone (Vast read pacing)", Spread.Of(completions.Select(c => c.Confirmed)).ToString());
        report.Figure("status shows releasedAt", Spread.Of(completions.Select(c => c.Released)).ToString());
        report.Figure("goal: p99 < 3 s to the DELETE", Goal(TimeSpan.FromMilliseconds(Spread.Of(completions.Select(c => c.Destroyed)).P99), CompletionGoal));
    }

    private static void PrintDeadline(Report report, string title, IReadOnlyList<DeadlineSample> samples)
    {
        report.Section($"{title}: {samples.Count} runs, from the deadline");
        report.Figure("phase stalled", Spread.Of(samples.Select(s => s.Stalled)).ToString());
        report.Figure("DELETE of the instance at Vast", Spread.Of(samples.Select(s => s.Destroyed)).ToString());
        report.Figure("read confirming it gone (Vast read pacing)", Spread.Of(samples.Select(s => s.Confirmed)).ToString());
        report.Figure("status shows releasedAt", Spread.Of(samples.Select(s => s.Released)).ToString());
        report.Figure("goal: < 5 s to the DELETE (slowest run)", Goal(samples.Max(s => s.Destroyed), DeadlineGoal));
    }

    private static void PrintSweep(Report report, MoneyResults results, LiveRunCheck live)
    {
        var plan = results.Plan;
        var sweeps = results.Sweeps;
        report.Section($"leaked instance → destroyed by the orphan sweep: {sweeps.Count} leaks, interval {Seconds(plan.SweepInterval)}, grace {Seconds(plan.SweepGrace)}");
        report.Figure("eligible (created + grace) → its sweep started", Spread.Of(sweeps.Select(s => s.Found)).ToString());
        report.Figure("eligible → DELETE at Vast", Spread.Of(sweeps.Select(s => s.Destroyed)).ToString());
        report.Figure("  sweep started → DELETE (listing, claims)", Spread.Of(sweeps.Select(s => s.Destroyed - s.Found)).ToString());
        report.Figure("leaks a sweep first spared as too young", $"{sweeps.Count(s => s.SparedAsYoung)} of {sweeps.Count}");
        var first = sweeps.Count(s => s.SweepsMissed == 0);
        report.Figure("goal: found by the first sweep once eligible", first == sweeps.Count
            ? $"met: {first} of {sweeps.Count}, found at most {Report.Number(sweeps.Max(s => s.Found.TotalMilliseconds))} ms after (interval {Seconds(plan.SweepInterval)})"
            : $"missed: {sweeps.Count - first} of {sweeps.Count} outlived a sweep (up to {sweeps.Max(s => s.SweepsMissed)})");
        report.Figure("live run's own instance after the sweeps", live.StillRunning && live.DeletesOfIt == 0
            ? $"not swept: instance {live.InstanceId} running, 0 DELETEs, {live.Sweeps} sweeps"
            : $"SWEPT: instance {live.InstanceId} running {live.StillRunning}, {live.DeletesOfIt} DELETEs");
    }

    private static string Goal(TimeSpan measured, TimeSpan goal) => measured < goal
        ? $"met ({Report.Number(measured.TotalMilliseconds)} ms)"
        : $"missed by {Report.Number((measured - goal).TotalMilliseconds)} ms ({Report.Number(measured.TotalMilliseconds)} ms)";

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds:0.###} s";
}
