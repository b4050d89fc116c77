using LoraTrainer.Api;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

public sealed class AgentConfigLimitsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Limits_WithoutADeadlineOrABudget_AreLeftOut()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training, since: Start).Build();

        Assert.Null(AgentConfigBuilder.Limits(run));
    }

    [Fact]
    public void Limits_CarryTheActiveDeadlineFromTheRunsStart()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.PendingGpu, since: Start)
            .WithSpec(s => s with { RunPolicy = new RunPolicySpec { ActiveDeadlineSeconds = 7200 } }).Build();

        var limits = AgentConfigBuilder.Limits(run)!;

        Assert.Equal(Start.AddHours(2), limits.Deadline);
        Assert.Null(limits.BudgetExhaustedAt);
    }

    [Fact]
    public void Limits_SayWhenTheBudgetLeftByEarlierInstancesRunsOutAtThisInstancesPrice()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training, attempt: 2, since: Start)
            .WithSpec(s => s with { RunPolicy = new RunPolicySpec { MaxCostUsd = 2.0 } }).Build();
        run.Status = run.Status! with { Gpu = run.Status.Gpu! with { PricePerHour = 0.5 }, Cost = new CostStatus { ReleasedUsd = 0.5 } };

        var limits = AgentConfigBuilder.Limits(run)!;

        // $1.50 left at $0.50/h: three hours after this instance was rented.
        Assert.Equal(Start.AddHours(3), limits.BudgetExhaustedAt);
        Assert.Null(limits.Deadline);
    }

    [Fact]
    public void Limits_BeforeAnInstanceIsRented_HaveNoBudgetTime()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Pending, since: Start)
            .WithSpec(s => s with { RunPolicy = new RunPolicySpec { MaxCostUsd = 2.0, ActiveDeadlineSeconds = 3600 } }).Build();

        var limits = AgentConfigBuilder.Limits(run)!;

        Assert.Null(limits.BudgetExhaustedAt);
        Assert.Equal(Start.AddHours(1), limits.Deadline);
    }

    [Fact]
    public void Limits_WhenTheBudgetIsAlreadySpent_SayItRanOutWhenTheInstanceWasRented()
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training, since: Start)
            .WithSpec(s => s with { RunPolicy = new RunPolicySpec { MaxCostUsd = 1.0 } }).Build();
        run.Status = run.Status! with { Cost = new CostStatus { ReleasedUsd = 1.5 } };

        Assert.Equal(Start, AgentConfigBuilder.Limits(run)!.BudgetExhaustedAt);
    }
}
