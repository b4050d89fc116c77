using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.EndToEndTests.Stack;

/// <summary>Helpers every scenario shares: starting the stack, a run to completion, and the ledger check that nothing leaked or lingered.</summary>
internal static class Scenario
{
    /// <summary>How long after the moment an instance stopped being needed its destroy may land (a reconcile, the destroy and its confirmation).</summary>
    public static readonly TimeSpan ReleaseAllowance = TimeSpan.FromSeconds(3);

    /// <summary>The operator's instance check interval in the stack (<c>OperatorSettings.ForFakes</c>): a deadline is acted on within it.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    /// <summary>A trainer slow enough (about 4 epochs × 20 steps × 50 ms) that a fault can strike mid-training.</summary>
    public static FakeTrainerSettings Slow { get; } = new() { EpochLosses = [0.3, 0.2, 0.15, 0.18], StepSeconds = 0.05 };

    /// <summary>A trainer that finishes at once.</summary>
    public static FakeTrainerSettings Fast { get; } = new() { EpochLosses = [0.3, 0.2, 0.15, 0.18] };

    /// <summary>Now, on the clock the Vast simulator bills by.</summary>
    public static DateTimeOffset Now => TimeProvider.System.GetUtcNow();

    /// <summary>Starts the stack, or skips the test naming the program that is missing (kubectl, node with s3rver, python3).</summary>
    public static Task<TestWorld> StartStackAsync(params SimulatedOffer[] offers) => StartStackAsync(null, offers);

    /// <summary>Starts the stack with Civitai serving model files at <paramref name="civitaiBytesPerSecond"/>, or skips the test as above.</summary>
    public static async Task<TestWorld> StartStackAsync(long? civitaiBytesPerSecond, params SimulatedOffer[] offers)
    {
        var missing = Prerequisites.Missing();
        Assert.SkipWhen(missing.Count > 0, "The end-to-end stack needs programs this machine lacks: " + string.Join("; ", missing));
        return await TestWorld.StartAsync(offers, TestContext.Current.CancellationToken, civitaiBytesPerSecond);
    }

    /// <summary>Waits for a terminal phase and fails with the run's message, the agents' and the operator's output unless it completed.</summary>
    public static async Task<TrainingRun> CompletesAsync(this TestWorld stack, string name, int seconds = 60)
    {
        var run = await stack.WaitForAsync(name, r => r.Status?.Phase is TrainingPhase.Completed or TrainingPhase.Failed
            || r.Status is { Phase: TrainingPhase.Stalled, Gpu.ReleasedAt: not null } && PhaseMachine.IsTerminal(r), seconds);
        Assert.True(run.Status!.Phase == TrainingPhase.Completed,
            $"{run.Status.Phase}: {run.Status.Message}\n"
            + string.Join("\n", stack.Agents.Agents.Values.Select(a => $"agent {a.Launch} exit {a.ExitCode}: {a.Output}"))
            + $"\noperator: {stack.Operator.Output()}");
        Assert.Equal(100, run.Status.Progress!.Percent);
        return run;
    }

    /// <summary>
    /// Asserts from the simulator's ledger that nothing is left alive, that exactly one instance was rented per
    /// budget (in the order they were created), that each existed no longer than its budget allows, and that together
    /// they billed no more than one unbroken line of them would: a retry rents only after the last instance is gone.
    /// </summary>
    public static async Task<VastCostReport> AssertLedgerAsync(this TestWorld stack, params InstanceBudget[] budgets)
    {
        var ledger = await stack.WaitForNothingAliveAsync();
        var instances = stack.Vast.Instances(includeDestroyed: true).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id).ToList();
        Assert.True(ledger.AliveInstances == 0, $"{ledger.AliveInstances} instance(s) still alive at Vast: leaked");
        Assert.True(instances.Count == budgets.Length,
            $"{instances.Count} instance(s) rented; the scenario needs {budgets.Length}: {string.Join(", ", budgets.Select(b => b.Need))}");

        var lines = new List<string>();
        var latestAllowedEnd = DateTimeOffset.MinValue;
        for (var i = 0; i < budgets.Length; i++)
        {
            var instance = instances[i];
            var cost = ledger.Instances.Single(c => c.InstanceId == instance.Id);
            var allowed = budgets[i].AllowedSeconds(instance.CreatedAt);
            lines.Add($"instance {instance.Id} ({budgets[i].Need}): {cost.InstanceSeconds:F1} s of at most {allowed:F1} s");
            Assert.True(cost.InstanceSeconds <= allowed,
                $"instance {instance.Id} ({budgets[i].Need}) existed {cost.InstanceSeconds:F1} s; the scenario needed it at most {allowed:F1} s (destroyed late or leaked)");
            latestAllowedEnd = Max(latestAllowedEnd, instance.CreatedAt.AddSeconds(allowed));
        }

        var total = budgets.Length == 0 ? 0 : (latestAllowedEnd - instances[0].CreatedAt).TotalSeconds;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"ledger: {ledger.InstanceSeconds:F1} instance-s of at most {total:F1}, ${ledger.Dollars:F6}\n  " + string.Join("\n  ", lines));
        Assert.True(ledger.InstanceSeconds <= total,
            $"instances billed {ledger.InstanceSeconds:F1} instance-s in all; one after the other they could bill at most {total:F1} (two were alive at once)");
        return ledger;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

/// <summary>How long one rented instance may exist, derived from what the scenario needed it for.</summary>
/// <param name="Need">What the instance was for, in failure messages.</param>
/// <param name="AllowedSeconds">Its allowed life in seconds, given when it was created.</param>
internal sealed record InstanceBudget(string Need, Func<DateTimeOffset, double> AllowedSeconds)
{
    /// <summary>Needed until <paramref name="neededUntil"/> (a moment the test observed); then released within <see cref="Scenario.ReleaseAllowance"/>, or <paramref name="allowance"/>.</summary>
    public static InstanceBudget Until(DateTimeOffset neededUntil, string need, TimeSpan? allowance = null) =>
        new(need, created => (neededUntil + (allowance ?? Scenario.ReleaseAllowance) - created).TotalSeconds);

    /// <summary>Needed for <paramref name="life"/> from its creation (a deadline that stalls it), then released within <see cref="Scenario.ReleaseAllowance"/>.</summary>
    public static InstanceBudget Lasting(TimeSpan life, string need) =>
        new(need, _ => (life + Scenario.ReleaseAllowance).TotalSeconds);
}
