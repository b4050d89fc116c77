using LoraTrainer.EndToEndTests.Stack;
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
        await _stack.Operator.RestartAsync(TestContext.Current.CancellationToken);
        _stack.Receiver.Executable = NativePrograms.Receiver.Path;
        await _stack.Receiver.RestartAsync();
        _stack.Agents.Executable = NativePrograms.Agent.Path;
        _stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = [0.3, 0.2, 0.25] };

        await _stack.ApplyAsync(Samples.Minimal("native-stack", epochs: 3));
        var run = await _stack.CompletesAsync("native-stack");

        Assert.Equal(NativePrograms.Operator.Path, _stack.Operator.RunningProgram);
        Assert.Equal(NativePrograms.Receiver.Path, _stack.Receiver.Process?.StartInfo.FileName);
        Assert.Equal(NativePrograms.Agent.Path, Assert.Single(_stack.Agents.Agents.Values).Process.StartInfo.FileName);
        Assert.Equal(2, run.Status!.Output!.Epoch);
        Assert.True(run.Status.Output.Bytes > 0);
        var ledger = await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, ledger.AliveInstances);
        Assert.Single(ledger.Instances);
    }
}
