using LoraTrainer.Api;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>What a run has cost: released instances plus the running one at its hourly price (storage included in Vast's dph_total).</summary>
internal static class RunCost
{
    // Ten years: a budget that outlasts any rental is capped here, so the time stays representable.
    private const double MaxBudgetHours = 24 * 366 * 10;

    /// <summary>Estimated USD spent by <paramref name="now"/>, all attempts included, rounded to the cent's hundredth.</summary>
    public static double Estimate(TrainingRunStatus? status, DateTimeOffset now)
    {
        var released = status?.Cost?.ReleasedUsd ?? 0;
        return Math.Round(released + Running(status?.Gpu, now), 4);
    }

    /// <summary>The cost of the current instance from allocation to its release (or to <paramref name="now"/>).</summary>
    public static double Running(GpuStatus? gpu, DateTimeOffset now)
    {
        if (gpu?.AllocatedAt is not { } from || gpu.PricePerHour is not { } price || gpu.ReleasedAt is not null)
        {
            return 0;
        }

        var hours = Math.Max(0, (now - from).TotalHours);
        return price * hours;
    }

    /// <summary>
    /// When <c>spec.runPolicy.maxCostUsd</c> runs out while the current instance runs: its allocation plus what earlier
    /// instances left of the budget, at its hourly price. Null without a budget or without a held, priced instance.
    /// </summary>
    public static DateTimeOffset? BudgetExhaustedAt(TrainingRun run)
    {
        if (run.Spec.RunPolicy?.MaxCostUsd is not { } budget
            || run.Status?.Gpu is not { AllocatedAt: { } from, PricePerHour: { } price, ReleasedAt: null } || price <= 0)
        {
            return null;
        }

        var left = Math.Max(0, budget - (run.Status.Cost?.ReleasedUsd ?? 0));
        return from + TimeSpan.FromHours(Math.Min(left / price, MaxBudgetHours));
    }

    /// <summary>The cost record after the current instance is released at <paramref name="now"/>.</summary>
    public static CostStatus AfterRelease(TrainingRunStatus? status, DateTimeOffset now)
    {
        var released = Math.Round((status?.Cost?.ReleasedUsd ?? 0) + Running(status?.Gpu, now), 4);
        return new CostStatus { ReleasedUsd = released, EstimatedUsd = released };
    }
}
