using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.EndToEndTests;

/// <summary>Faults in what the system runs on: the receiver, Vast's rate limits, the API server's watches, S3.</summary>
public sealed class InfrastructureFaultTests : IAsyncLifetime
{
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(TestWorld.Offer(701, machine: 71));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task ReceiverRestartedMidTraining_TheAgentRetriesItsEvents_AndTheRunCompletes()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        await _stack.ApplyAsync(Samples.Minimal("receiver-restart"));
        await _stack.WaitForAsync("receiver-restart", r => r.Status is { Phase: TrainingPhase.Training, Progress.Percent: > 0 }, cancellationToken: TestContext.Current.CancellationToken);

        await _stack.Receiver.StopAsync();
        // Training goes on without the receiver: an epoch saved now is one the agent has to report again and again.
        var work = _stack.Agents.WorkDirectory(_stack.Vast.Instances().Single().Id);
        var saved = SavedEpochs(work);
        await Eventually.UntilAsync(() => SavedEpochs(work), epochs => epochs > saved, TimeSpan.FromSeconds(30), "an epoch saved while the receiver is down",
            cancellationToken: TestContext.Current.CancellationToken);
        await _stack.Receiver.StartAsync();

        var run = await _stack.CompletesAsync("receiver-restart");
        var completedAt = Scenario.Now;
        Assert.Equal(1, run.Status!.Attempt);
        Assert.Equal(4, run.Status.Epochs.Count);
        await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: until the run completed"));
    }

    [Fact]
    public async Task A429StormFromVast_IsRetried_AndExactlyOneInstanceIsRented()
    {
        _stack.Agents.Trainer = _ => Scenario.Fast;
        foreach (var route in new[] { VastRoute.Search, VastRoute.Create, VastRoute.Show, VastRoute.List, VastRoute.Label, VastRoute.Destroy })
        {
            _stack.Vast.Faults.RateLimit(route, times: 4);
        }

        await _stack.ApplyAsync(Samples.Minimal("storm"));

        await _stack.CompletesAsync("storm");
        var completedAt = Scenario.Now;
        Assert.Contains(_stack.Vast.Requests, r => r.Status == 429);
        // Its destroy meets the rest of the storm: four 429s, each retried after at most 200 ms.
        await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: until the run completed", Scenario.ReleaseAllowance + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task WatchesDroppedAndHistoryCompacted_TheOperatorRelists_AndTheRunCompletes()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        await _stack.ApplyAsync(Samples.Minimal("relist"));
        await _stack.WaitForPhaseAsync("relist", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);

        // Something else changes after the operator's last event, as on any busy cluster, so the history its watch
        // would resume from is compacted away.
        var compactedAt = Scenario.Now;
        _stack.Kube.Seed(new V1ConfigMap { ApiVersion = "v1", Kind = "ConfigMap", Metadata = new V1ObjectMeta { Name = "unrelated", NamespaceProperty = _stack.Namespace } });
        _stack.Kube.CompactHistory();
        _stack.Kube.DropAllWatches(abortConnections: true);

        await _stack.CompletesAsync("relist");
        var completedAt = Scenario.Now;

        // The 410 path ran: the operator resumed its watch from the old resourceVersion, was told it is gone, and listed again.
        var requests = _stack.Kube.RequestLog
            .Where(e => e.User == TestWorld.OperatorUser && e.Time >= compactedAt && e.Method == "GET" && e.Path.EndsWith("/trainingruns", StringComparison.Ordinal))
            .ToList();
        var relist = requests.FindIndex(e => !e.IsWatch);
        Assert.True(relist > 0 && requests[..relist].Any(e => e.IsWatch && e.Query.Contains("resourceVersion=", StringComparison.Ordinal)),
            "no watch from the old resourceVersion followed by a re-LIST of trainingruns after the compaction:\n" + string.Join("\n", requests));
        await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: until the run completed"));
    }

    [Fact]
    public async Task S3FailingDuringTheUpload_TheAgentRetries_AndTheLoraLandsInS3()
    {
        _stack.Agents.Trainer = _ => Scenario.Slow;
        await _stack.ApplyAsync(Samples.Minimal("s3-flaky"));
        await _stack.WaitForPhaseAsync("s3-flaky", TrainingPhase.Training, cancellationToken: TestContext.Current.CancellationToken);

        _stack.S3Proxy.FailUploads(TestWorld.OutputBucket, times: 3);

        var run = await _stack.CompletesAsync("s3-flaky");
        var completedAt = Scenario.Now;
        Assert.Equal(3, _stack.S3Proxy.RefusedPuts);
        var uploaded = await _stack.S3.GetObjectAsync(TestWorld.OutputBucket, "loras/anna/s3-flaky.safetensors", TestContext.Current.CancellationToken);
        Assert.Equal(run.Status!.Output!.Bytes, uploaded!.LongLength);
        await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: until the run completed"));
    }

    /// <summary>The epochs the trainer has saved under an agent's work folder (<c>name-000001.safetensors</c>, ...).</summary>
    private static int SavedEpochs(string work) =>
        Directory.Exists(work) ? Directory.EnumerateFiles(work, "*-??????.safetensors", SearchOption.AllDirectories).Count() : 0;
}
