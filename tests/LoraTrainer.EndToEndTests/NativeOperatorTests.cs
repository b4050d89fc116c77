using k8s;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.World;

namespace LoraTrainer.EndToEndTests;

/// <summary>
/// The three programs as they ship, each published as Native AOT: the operator rents and releases, the receiver
/// records, the agent trains, through a whole run.
/// </summary>
public sealed class NativeOperatorTests : IAsyncLifetime
{
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync()
    {
        foreach (var program in new[] { NativePrograms.Operator, NativePrograms.Receiver, NativePrograms.Agent })
        {
            Assert.SkipWhen(program.Missing is not null, program.Missing ?? "");
        }

        _stack = await Scenario.StartStackAsync(TestWorld.Offer(903, machine: 93));
    }

    // A skipped test has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task TheNativeAotOperatorReceiverAndAgent_TrainARun_UploadTheLowestLossEpoch_AndReleaseTheGpu()
    {
        _stack.Operator.Executable = NativePrograms.Operator.Path;
        // Leader election on, as the chart deploys it: the Lease is renewed every few seconds while the run trains.
        _stack.Operator.Settings["Operator__LeaderElection__Enabled"] = "true";
        await _stack.Operator.RestartAsync(TestContext.Current.CancellationToken);
        _stack.Receiver.Executable = NativePrograms.Receiver.Path;
        await _stack.Receiver.RestartAsync();
        _stack.Agents.Executable = NativePrograms.Agent.Path;
        _stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = [0.3, 0.2, 0.25] };

        await _stack.ApplyAsync(Samples.Minimal("native-stack", epochs: 3));
        var run = await _stack.CompletesAsync("native-stack");

        Assert.True(_stack.Operator.Running, _stack.Operator.Output());
        Assert.Equal(NativePrograms.Operator.Path, _stack.Operator.RunningProgram);
        // Renewed every 2 s: a renewal writes back the Lease as read, which a Native AOT build must serialize.
        using var kube = _stack.Kube.CreateClient();
        await Eventually.UntilAsync(token => kube.CoordinationV1.ReadNamespacedLeaseAsync("loratrainer-operator", "default", cancellationToken: token),
            lease => lease.Spec.RenewTime > lease.Spec.AcquireTime, TimeSpan.FromSeconds(10), "the operator's Lease renewed",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(_stack.Operator.Running, _stack.Operator.Output());
        Assert.Equal(NativePrograms.Receiver.Path, _stack.Receiver.Process?.StartInfo.FileName);
        Assert.Equal(NativePrograms.Agent.Path, Assert.Single(_stack.Agents.Agents.Values).Process.StartInfo.FileName);
        Assert.Equal(2, run.Status!.Output!.Epoch);
        Assert.True(run.Status.Output.Bytes > 0);
        var ledger = await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, ledger.AliveInstances);
        Assert.Single(ledger.Instances);
    }
}
