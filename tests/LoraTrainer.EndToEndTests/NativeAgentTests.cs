using LoraTrainer.Testing.World;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.EndToEndTests;

/// <summary>The agent as the GPU image ships it, published as Native AOT, trains a run through the whole stack.</summary>
public sealed class NativeAgentTests : IAsyncLifetime
{
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(NativePrograms.Agent.Missing is not null, NativePrograms.Agent.Missing ?? "");
        _stack = await Scenario.StartStackAsync(TestWorld.Offer(901, machine: 91));
    }

    // A skipped test has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task TheNativeAotAgent_TrainsARun_UploadsTheLowestLossEpoch_AndExitsZero()
    {
        _stack.Agents.Executable = NativePrograms.Agent.Path;
        _stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = [0.3, 0.2, 0.25] };

        await _stack.ApplyAsync(Samples.Minimal("native-agent", epochs: 3));
        var run = await _stack.CompletesAsync("native-agent");

        var agent = Assert.Single(_stack.Agents.Agents.Values);
        Assert.Equal(NativePrograms.Agent.Path, agent.Process.StartInfo.FileName);
        Assert.Equal(2, run.Status!.Output!.Epoch);
        Assert.Equal(0.2, run.Status.Output.Loss!.Value, 4);
        Assert.True(run.Status.Output.Bytes > 0);
        await agent.Process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.True(agent.ExitCode == 0, agent.Output);
    }
}
