using LoraTrainer.Api;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>What status.cost counts for an interruptible instance that Vast pauses: its storage alone while it is paused.</summary>
public sealed class RunCostTests
{
    private const double Price = 0.41;
    private const double Storage = 0.02;
    private static readonly DateTimeOffset Allocated = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private static TrainingRun Training(double? storage = Storage)
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training, since: Allocated)
            .WithSpec(spec => spec with { Gpu = new GpuSpec { Interruptible = true }, RunPolicy = new RunPolicySpec { MaxCostUsd = 1.00 } })
            .Build();
        run.Status = run.Status! with { Gpu = run.Status.Gpu! with { PricePerHour = Price, StoragePricePerHour = storage, AllocatedAt = Allocated } };
        return run;
    }

    private static TrainingRun Apply(TrainingRun run, PhaseInput input, DateTimeOffset at)
    {
        var result = PhaseMachine.Apply(run, input, at);
        Assert.True(result.Accepted);
        run.Status = result.Status;
        return run;
    }

    [Fact]
    public void Estimate_WhileTheInstanceIsPaused_CountsItsStorageAloneForThePause()
    {
        var run = Apply(Training(), new InterruptedInput("outbid"), Allocated.AddHours(1));

        // One hour running, then two paused.
        Assert.Equal(Price + 2 * Storage, RunCost.Estimate(run.Status, Allocated.AddHours(3)), 4);
    }

    [Fact]
    public void Estimate_AfterThePausedInstanceResumed_CountsThePauseAtStorageAndTheRestAtThePrice()
    {
        var run = Apply(Training(), new InterruptedInput("outbid"), Allocated.AddHours(1));
        run = Apply(run, new InstanceResumedInput(), Allocated.AddHours(3));
        run = Apply(run, new InterruptedInput("outbid again"), Allocated.AddHours(4));

        // Running 10:00–11:00 and 13:00–14:00, paused 11:00–13:00 and 14:00–15:00.
        Assert.Equal(2 * Price + 3 * Storage, RunCost.Estimate(run.Status, Allocated.AddHours(5)), 4);
        Assert.Equal(2 * 3600, run.Status!.Gpu!.PausedSeconds);
    }

    [Fact]
    public void AfterRelease_OfAnInstanceGivenUpWhilePaused_CountsItsStorageUntilTheRelease()
    {
        var run = Apply(Training(), new InterruptedInput("outbid"), Allocated.AddHours(1));
        run = Apply(run, new StallInput("still paused after 10m", "11032"), Allocated.AddHours(2));

        var cost = RunCost.AfterRelease(run.Status, Allocated.AddHours(2));

        Assert.Equal(Price + Storage, cost.ReleasedUsd, 4);
    }

    [Fact]
    public void Estimate_WhilePausedWithoutAKnownStoragePrice_CountsTheFullPrice()
    {
        var run = Apply(Training(storage: null), new InterruptedInput("outbid"), Allocated.AddHours(1));

        Assert.Equal(3 * Price, RunCost.Estimate(run.Status, Allocated.AddHours(3)), 4);
    }

    [Fact]
    public void BudgetExhaustedAt_AfterAPause_MovesLaterByThePause_LessWhatItsStorageCost()
    {
        var run = Apply(Training(), new InterruptedInput("outbid"), Allocated.AddHours(1));
        run = Apply(run, new InstanceResumedInput(), Allocated.AddHours(2));

        // $1.00 at $0.41/h, less the paused hour's $0.02, runs out 0.98 / 0.41 h of running after allocation, plus the hour paused.
        var expected = Allocated.AddHours(1 + 0.98 / Price);

        Assert.Equal(expected, RunCost.BudgetExhaustedAt(run)!.Value, TimeSpan.FromMilliseconds(1));
    }
}
