using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.Vast;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Benchmarks.Resume;

/// <summary>
/// What resuming from saved state saves: a 10-epoch run on an interruptible GPU, outbid at epoch 6 and moved to another
/// machine once its wait is over, with its state saved every epoch (it resumes) and with none (it starts again), against
/// the same run on demand and never interrupted. Instance-seconds and dollars come from the Vast simulator's ledger,
/// epochs trained from the fake trainer's.
/// </summary>
/// <remarks>
/// The whole system runs (operator and agents as processes, the receiver, s3rver), with epochs scaled down to
/// <c>--epoch-seconds</c>: the fixed costs of an attempt (renting, booting, the state's round trip) weigh far more here
/// than beside real epochs of minutes, so the figures to carry over are the epochs trained and the shape of the bill.
/// </remarks>
internal sealed class ResumeBenchmark : IBenchmark
{
    private const int Epochs = 10;
    private const int InterruptedAt = 6;
    private const double MinBid = 0.18;
    private const double OnDemandPerHour = 0.40;

    public string Name => "resume";

    public string Summary => "a 10-epoch run outbid at epoch 6: resumed from saved state, restarted from scratch, and on demand";

    public string Usage => """
        resume [--epoch-seconds 2] [--wait 2]
          --epoch-seconds  how long the fake trainer takes per epoch
          --wait           runPolicy.deadlines.interrupted: how long the paused instance is waited for, in seconds
        """;

    public IReadOnlyList<string> Options => ["epoch-seconds", "wait"];

    public async Task RunAsync(BenchmarkOptions options, Report report, CancellationToken cancellationToken)
    {
        var epochSeconds = options.Seconds("epoch-seconds", 2, min: 0.2);
        var wait = (int)Math.Ceiling(options.Seconds("wait", 2, min: 1).TotalSeconds);
        if (Prerequisites.Missing() is { Count: > 0 } missing)
        {
            throw new ArgumentException("the whole system is needed: " + string.Join("; ", missing));
        }

        // A second machine for an interrupted run once the first is given up on, and room for a slow start: the phase
        // deadlines are minutes, so a loaded machine stalls nothing.
        var host = VastLifecycle.Immediate with { StopAfterOutbid = TimeSpan.FromMilliseconds(500) };
        await using var world = await TestWorld.StartAsync(
            [.. Enumerable.Range(1, 3).Select(i => TestWorld.Offer(960 + i, machine: 96 + i, price: OnDemandPerHour, lifecycle: host) with { MinBid = MinBid })],
            cancellationToken);
        // Twenty steps per epoch, as the fake trainer takes them.
        world.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = [.. Enumerable.Range(0, Epochs).Select(e => 0.3 - 0.01 * e)], StepSeconds = epochSeconds.TotalSeconds / 20 };

        var results = new List<ResumeResult>
        {
            await MeasureAsync(world, "resumed from saved state", new Scenario("resumed", Interrupted: true, SavesState: true), wait, cancellationToken),
            await MeasureAsync(world, "restarted from scratch", new Scenario("scratch", Interrupted: true, SavesState: false), wait, cancellationToken),
            await MeasureAsync(world, "on demand, not interrupted", new Scenario("on-demand", Interrupted: false, SavesState: true), wait, cancellationToken),
        };
        Print(report, epochSeconds, wait, results);
    }

    private static async Task<ResumeResult> MeasureAsync(TestWorld world, string what, Scenario scenario, int wait, CancellationToken cancellationToken)
    {
        var name = scenario.Name;
        var trainedBefore = world.Agents.TrainedEpochs.Count;
        var started = TimeProvider.System.GetTimestamp();
        await world.ApplyAsync(LoraTrainer.Testing.World.Samples.Minimal(name, deadline: "5m", epochs: Epochs, interrupted: scenario.Interrupted ? $"{wait}s" : null, saveStateEveryNEpochs: scenario.SavesState ? null : 0));
        if (scenario.Interrupted)
        {
            // Outbid once epoch 6 is trained, and, when the run saves state, once that epoch's state is in S3.
            var at = await world.WaitForAsync(name, r => r.Status?.Epochs.Count(e => e.Loss is not null) >= InterruptedAt
                && (!scenario.SavesState || r.Status.Resume?.Epoch >= InterruptedAt), seconds: 900, cancellationToken);
            world.Vast.Outbid(long.Parse(at.Status!.Gpu!.InstanceId!, System.Globalization.CultureInfo.InvariantCulture));
        }

        var done = await world.WaitForAsync(name, r => r.Status?.Phase is TrainingPhase.Completed or TrainingPhase.Failed, seconds: 900, cancellationToken);
        var wall = TimeProvider.System.GetElapsedTime(started);
        if (done.Status!.Phase != TrainingPhase.Completed)
        {
            throw new InvalidOperationException($"{what}: the run ended {done.Status.Phase}: {done.Status.Message}");
        }

        var ledger = await world.WaitForNothingAliveAsync(cancellationToken: cancellationToken);
        var ours = ledger.Instances.Where(i => i.Label?.Contains(done.Metadata.Uid, StringComparison.Ordinal) == true).ToList();
        var released = await world.WaitForAsync(name, r => r.Status?.Gpu?.ReleasedAt is not null, cancellationToken: cancellationToken);
        return new ResumeResult(what, ours.Count, world.Agents.TrainedEpochs.Count - trainedBefore, ours.Sum(i => i.InstanceSeconds), ours.Sum(i => i.GpuSeconds),
            ours.Sum(i => i.Dollars), released.Status!.Cost!.ReleasedUsd, wall);
    }

    private static void Print(Report report, TimeSpan epochSeconds, int wait, IReadOnlyList<ResumeResult> results)
    {
        report.Section($"{Epochs} epochs of {epochSeconds.TotalSeconds:0.#} s, outbid at epoch {InterruptedAt}, waited for {wait} s; bid {MinBid:0.00} $/h + 10 %, on demand {OnDemandPerHour:0.00} $/h + storage");
        foreach (var r in results)
        {
            report.Figure(r.What, $"{r.Instances} instance(s), {r.EpochsTrained} epochs trained, {r.InstanceSeconds:N1} instance-s ({r.GpuSeconds:N1} running), "
                + $"${r.Dollars:0.000000} billed, status.cost ${r.StatusUsd:0.0000}, {r.Wall.TotalSeconds:N1} s apply → completed");
        }

        var resumed = results[0];
        var scratch = results[1];
        var onDemand = results[2];
        report.Figure("resume against scratch", $"{scratch.EpochsTrained - resumed.EpochsTrained} epochs, {scratch.InstanceSeconds - resumed.InstanceSeconds:N1} instance-s, "
            + $"{100 * (1 - resumed.Dollars / scratch.Dollars):N0} % of the dollars saved");
        report.Figure("resume against on demand", $"{100 * resumed.Dollars / onDemand.Dollars:N0} % of the on-demand dollars, {resumed.InstanceSeconds / onDemand.InstanceSeconds:N2}× its instance-seconds");
        report.Note("instance-seconds and dollars are the Vast simulator's ledger (storage every second an instance exists, the GPU while it runs); epochs trained are the fake trainer's own count.");
    }

    private sealed record Scenario(string Name, bool Interrupted, bool SavesState);

    private sealed record ResumeResult(string What, int Instances, int EpochsTrained, double InstanceSeconds, double GpuSeconds, double Dollars, double StatusUsd, TimeSpan Wall);
}
