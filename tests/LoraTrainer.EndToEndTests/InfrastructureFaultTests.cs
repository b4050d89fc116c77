using System.Diagnostics;
using LoraTrainer.Api;
using LoraTrainer.Demo.Stack;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.EndToEndTests;

/// <summary>Faults in what the system runs on: the receiver, Vast's rate limits, the API server's watches, S3.</summary>
public sealed class InfrastructureFaultTests : IAsyncLifetime
{
    private EndToEndStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await EndToEndStack.StartAsync(EndToEndStack.Offer(701, machine: 71));

    public ValueTask DisposeAsync() => _stack.DisposeAsync();

    [Fact]
    public async Task ReceiverRestartedMidTraining_TheAgentRetriesItsEvents_AndTheRunCompletes()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        var scenario = Stopwatch.StartNew();
        await _stack.ApplyAsync(Samples.Minimal("receiver-restart"));
        await _stack.WaitForAsync("receiver-restart", r => r.Status is { Phase: TrainingPhase.Training, Progress.Percent: > 0 }, cancellationToken: TestContext.Current.CancellationToken);

        await _stack.Receiver.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, TestContext.Current.CancellationToken);
        await _stack.Receiver.StartAsync();

        var run = await _stack.CompletesAsync("receiver-restart");
        Assert.Equal(1, run.Status!.Attempt);
        Assert.Equal(4, run.Status.Epochs.Count);
        await _stack.AssertNothingLeftAsync(scenario, expectedInstances: 1);
    }

    [Fact]
    public async Task A429StormFromVast_IsRetried_AndExactlyOneInstanceIsRented()
    {
        _stack.Agents.Trainer = _ => Scenario.Fast;
        foreach (var route in new[] { VastRoute.Search, VastRoute.Create, VastRoute.Show, VastRoute.List, VastRoute.Label, VastRoute.Destroy })
        {
            _stack.Vast.Faults.RateLimit(route, times: 4);
        }

        var scenario = Stopwatch.StartNew();
        await _stack.ApplyAsync(Samples.Minimal("storm"));

        await _stack.CompletesAsync("storm");
        Assert.Contains(_stack.Vast.Requests, r => r.Status == 429);
        await _stack.AssertNothingLeftAsync(scenario, expectedInstances: 1);
    }

    [Fact]
    public async Task WatchesDroppedAndHistoryCompacted_TheOperatorRelists_AndTheRunCompletes()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        var scenario = Stopwatch.StartNew();
        await _stack.ApplyAsync(Samples.Minimal("relist"));
        await _stack.WaitForPhaseAsync("relist", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);

        _stack.Kube.CompactHistory();
        _stack.Kube.DropAllWatches(abortConnections: true);

        await _stack.CompletesAsync("relist");
        await _stack.AssertNothingLeftAsync(scenario, expectedInstances: 1);
    }

    [Fact]
    public async Task S3FailingDuringTheUpload_TheAgentRetries_AndTheLoraLandsInS3()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        var scenario = Stopwatch.StartNew();
        await _stack.ApplyAsync(Samples.Minimal("s3-flaky"));
        await _stack.WaitForPhaseAsync("s3-flaky", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);

        _stack.S3Proxy.FailUploads(EndToEndStack.OutputBucket, times: 3);

        var run = await _stack.CompletesAsync("s3-flaky");
        Assert.Equal(3, _stack.S3Proxy.RefusedPuts);
        var uploaded = await _stack.S3.GetObjectAsync(EndToEndStack.OutputBucket, "loras/anna/s3-flaky.safetensors", TestContext.Current.CancellationToken);
        Assert.Equal(run.Status!.Output!.Bytes, uploaded!.LongLength);
        await _stack.AssertNothingLeftAsync(scenario, expectedInstances: 1);
    }
}
