using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Tests.Watchdog;

public sealed class WatchdogDecisionTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(30);

    public static TheoryData<string, int, int, int?, int?, string> Cases => new()
    {
        // description, now (min after start), last contact (min), deadline (min), budget out (min), expected
        { "fresh start", 0, 0, null, null, "none" },
        { "silent a minute short of the window", 29, 0, null, null, "none" },
        { "silent exactly the window", 30, 0, null, null, "ReceiverUnreachable" },
        { "long run, receiver answering", 600, 599, null, null, "none" },
        { "answered recently, then silent the window", 130, 100, null, null, "ReceiverUnreachable" },
        { "deadline not reached", 59, 58, 60, null, "none" },
        { "deadline reached", 60, 59, 60, null, "DeadlinePassed" },
        { "budget reached", 45, 44, 120, 45, "BudgetSpent" },
        { "budget before the deadline, both passed", 200, 199, 150, 140, "BudgetSpent" },
        { "deadline passed while the receiver was going silent", 100, 65, 90, null, "DeadlinePassed" },
        { "receiver gone before the deadline passed", 100, 10, 90, null, "ReceiverUnreachable" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_FiresOnTheLimitCrossedFirst(string description, int now, int lastContact, int? deadline, int? budget, string expected)
    {
        var limits = deadline is null && budget is null ? null : new RunLimits { Deadline = At(deadline), BudgetExhaustedAt = At(budget) };

        var verdict = WatchdogDecision.Decide(Start.AddMinutes(now), Start.AddMinutes(lastContact), limits, Window);

        Assert.True(expected == (verdict?.Trigger.ToString() ?? "none"), $"{description}: expected {expected}, got {verdict?.Trigger.ToString() ?? "none"}");
    }

    [Fact]
    public void Decide_WhenTheReceiverIsSilent_SaysSinceWhenAndTheWindow()
    {
        var verdict = WatchdogDecision.Decide(Start.AddMinutes(31), Start, null, Window)!;

        Assert.Equal(Start.AddMinutes(30), verdict.Since);
        Assert.Contains("has not answered since 2026-03-01 12:00:00Z (31 minutes; the window is 30 minutes)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_WhenTheDeadlinePasses_NamesTheSpecFieldToChange()
    {
        var verdict = WatchdogDecision.Decide(Start.AddHours(2), Start.AddHours(2), new RunLimits { Deadline = Start.AddHours(1) }, Window)!;

        Assert.Contains("deadline 2026-03-01 13:00:00Z (spec.runPolicy.activeDeadlineSeconds) has passed", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_WhenTheBudgetRunsOut_NamesTheSpecFieldToChange()
    {
        var verdict = WatchdogDecision.Decide(Start.AddHours(2), Start.AddHours(2), new RunLimits { BudgetExhaustedAt = Start.AddHours(1) }, Window)!;

        Assert.Contains("budget (spec.runPolicy.maxCostUsd) ran out at 2026-03-01 13:00:00Z", verdict.Reason, StringComparison.Ordinal);
    }

    private static DateTimeOffset? At(int? minutes) => minutes is { } m ? Start.AddMinutes(m) : null;
}
