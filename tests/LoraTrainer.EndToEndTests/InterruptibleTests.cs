using System.Text.Json.Nodes;
using LoraTrainer.Api;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Vast;
using LoraTrainer.Testing.World;

namespace LoraTrainer.EndToEndTests;

/// <summary>Interruptible (bid) GPUs: an outbid instance is waited for, and given up on once the wait is over.</summary>
public sealed class InterruptibleTests : IAsyncLifetime
{
    /// <summary>Both machines ask the same minimum bid; the container stops half a second after an outbid.</summary>
    private static readonly VastLifecycle Host = VastLifecycle.Immediate with { StopAfterOutbid = TimeSpan.FromMilliseconds(500) };

    /// <summary>What the operator bids on them: <c>min_bid</c> plus the default 10% margin.</summary>
    private const double Bid = 0.198;

    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(
        TestWorld.Offer(901, machine: 91, lifecycle: Host) with { MinBid = 0.18 },
        TestWorld.Offer(902, machine: 92, lifecycle: Host) with { MinBid = 0.18 });

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    /// <summary>The run's first agent trains long enough to be outbid mid-training; any later one finishes at once.</summary>
    private void SlowFirstAgent()
    {
        var first = _stack.Agents.Started.Count + 1;
        _stack.Agents.Trainer = launch => launch == first ? Scenario.Slow : Scenario.Fast;
    }

    [Fact]
    public async Task OutbidThenResumedWithinTheWait_CompletesOnTheSameInstance()
    {
        SlowFirstAgent();
        await _stack.ApplyAsync(Samples.Minimal("bid-resumed", interrupted: "5m"));
        var training = await _stack.WaitForPhaseAsync("bid-resumed", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);
        var instanceId = long.Parse(training.Status!.Gpu!.InstanceId!, System.Globalization.CultureInfo.InvariantCulture);

        _stack.Vast.Outbid(instanceId);
        var interrupted = await _stack.WaitForPhaseAsync("bid-resumed", TrainingPhase.Interrupted, cancellationToken: TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => _stack.Agents.Started.Any(a => a.InstanceId == instanceId && a.Killed), TimeSpan.FromSeconds(10),
            "the paused instance's container to stop", cancellationToken: TestContext.Current.CancellationToken);
        _stack.Vast.Resume(instanceId);
        var done = await _stack.CompletesAsync("bid-resumed");

        Assert.Equal("Interrupted", interrupted.Status!.Reason);
        Assert.NotNull(interrupted.Status.Interruption!.PausedAt);
        Assert.Equal((1, training.Status.Gpu.InstanceId), (done.Status!.Attempt, done.Status.Gpu!.InstanceId));
        Assert.NotNull(done.Status.Interruption!.ResumedAt);
        Assert.Equal(2, _stack.Agents.Started.Count(a => a.InstanceId == instanceId));
        Assert.Single(_stack.Vast.Instances(includeDestroyed: true), i => i.Label?.Contains(done.Metadata.Uid, StringComparison.Ordinal) == true);
        var create = _stack.Vast.RequestsTo(VastRoute.Create).Last(r => r.Status == 200 && r.Body.Contains(done.Metadata.Uid, StringComparison.Ordinal));
        Assert.Equal(Bid, JsonNode.Parse(create.Body)!["price"]!.GetValue<double>(), 9);
        await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task OutbidPastTheWait_IsDestroyedAndCompletesOnAnotherMachine()
    {
        SlowFirstAgent();
        await _stack.ApplyAsync(Samples.Minimal("bid-moved", interrupted: "2s"));
        var training = await _stack.WaitForPhaseAsync("bid-moved", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);
        var first = training.Status!.Gpu!;

        _stack.Vast.Outbid(long.Parse(first.InstanceId!, System.Globalization.CultureInfo.InvariantCulture));
        var done = await _stack.CompletesAsync("bid-moved");

        var status = done.Status!;
        Assert.Equal(2, status.Attempt);
        Assert.NotEqual(first.MachineId, status.Gpu!.MachineId);
        Assert.Contains(first.MachineId!, status.ExcludedMachines);
        var ledger = await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
        var ours = ledger.Instances.Where(i => i.Label?.Contains(done.Metadata.Uid, StringComparison.Ordinal) == true).ToList();
        Assert.Equal(2, ours.Count);
        // Both attempts are in the cost as Vast bills them: the bid while running, the storage alone while paused.
        // Status keeps dollars to four decimals, each attempt's rounded as it ends: one step either way is rounding.
        var billed = ours.Sum(i => i.Dollars);
        var released = await _stack.WaitForAsync("bid-moved", r => r.Status?.Gpu?.ReleasedAt is not null, cancellationToken: TestContext.Current.CancellationToken);
        Assert.InRange(released.Status!.Cost!.ReleasedUsd, billed * 0.8 - 0.0001, billed * 1.2 + 0.0001);
    }
}
