using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.World;

namespace LoraTrainer.EndToEndTests;

/// <summary>The receiver as its image ships it, published as Native AOT, takes an agent's callbacks through a whole run.</summary>
public sealed class NativeReceiverTests : IAsyncLifetime
{
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(NativePrograms.Receiver.Missing is not null, NativePrograms.Receiver.Missing ?? "");
        _stack = await Scenario.StartStackAsync(TestWorld.Offer(902, machine: 92));
    }

    // A skipped test has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task TheNativeAotReceiver_ServesTheAgentItsConfig_AndRecordsTheRunToCompletion()
    {
        // Same address, so the operator's callbacks reach the published program instead of the in-process one.
        _stack.Receiver.Executable = NativePrograms.Receiver.Path;
        await _stack.Receiver.RestartAsync();

        await _stack.ApplyAsync(Samples.Minimal("native-receiver", epochs: 2));
        var run = await _stack.CompletesAsync("native-receiver");

        Assert.Equal(NativePrograms.Receiver.Path, _stack.Receiver.Process?.StartInfo.FileName);
        Assert.False(_stack.Receiver.Process!.HasExited, _stack.Receiver.Output());
        Assert.NotNull(run.Status!.Output);
        Assert.True(run.Status.Output.Bytes > 0);
    }
}
