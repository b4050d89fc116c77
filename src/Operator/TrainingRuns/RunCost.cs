using LoraTrainer.Api;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// What a run has cost: released instances plus the current one at its hourly price (storage included in Vast's
/// dph_total), except while it was paused, when Vast bills its storage alone.
/// </summary>
internal static class RunCost
{
    // Ten years: a budget that outlasts any rental is capped here, so the time stays representable.
    private const double MaxBudgetHours = 24 * 366 * 10;

    /// <summary>Estimated USD spent by <paramref name="now"/>, all attempts included, rounded to the cent's hundredth.</summary>
    public static double Estimate(TrainingRunStatus? status, DateTimeOffset now)
    {
        var released = status?.Cost?.ReleasedUsd ?? 0;
        return Math.Round(released + Running(status, now), 4);
    }

    /// <summary>
    /// The cost of the current instance from allocation to its release (or to <paramref name="now"/>): its price while
    /// it ran, its storage price for the time it was paused (ended pauses, and the current one until now).
    /// </summary>
    public static double Running(TrainingRunStatus? status, DateTimeOffset now)
    {
        if (status?.Gpu is not { AllocatedAt: { } from, PricePerHour: { } price, ReleasedAt: null } gpu)
        {
            return 0;
        }

        var hours = Math.Max(0, (now - from).TotalHours);
        var current = status.Interruption is { PausedAt: { } pausedAt, ResumedAt: null } ? Math.Max(0, (now - Max(pausedAt, from)).TotalHours) : 0;
        var paused = Math.Min(hours, (gpu.PausedSeconds ?? 0) / 3600 + current);
        return price * (hours - paused) + (gpu.StoragePricePerHour ?? price) * paused;
    }

    /// <summary>
    /// When <c>spec.runPolicy.maxCostUsd</c> runs out while the current instance runs: its allocation, plus its ended
    /// pauses, plus what earlier instances and those pauses left of the budget at its hourly price. Null without a
    /// budget or without a held, priced instance.
    /// </summary>
    public static DateTimeOffset? BudgetExhaustedAt(TrainingRun run)
    {
        if (run.Spec.RunPolicy?.MaxCostUsd is not { } budget
            || run.Status?.Gpu is not { AllocatedAt: { } from, PricePerHour: { } price, ReleasedAt: null } gpu || price <= 0)
        {
            return null;
        }

        var paused = gpu.PausedSeconds ?? 0;
        var left = Math.Max(0, budget - (run.Status.Cost?.ReleasedUsd ?? 0) - (gpu.StoragePricePerHour ?? price) * paused / 3600);
        return from + TimeSpan.FromSeconds(paused) + TimeSpan.FromHours(Math.Min(left / price, MaxBudgetHours));
    }

    /// <summary>The cost record after the current instance is released at <paramref name="now"/>.</summary>
    public static CostStatus AfterRelease(TrainingRunStatus? status, DateTimeOffset now)
    {
        var released = Math.Round((status?.Cost?.ReleasedUsd ?? 0) + Running(status, now), 4);
        return new CostStatus { ReleasedUsd = released, EstimatedUsd = released };
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
