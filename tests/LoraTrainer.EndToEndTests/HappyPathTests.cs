using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.EndToEndTests;

/// <summary>A sample TrainingRun applied with kubectl goes all the way to a LoRA in S3, and nothing is left running.</summary>
public sealed class HappyPathTests : IAsyncLifetime
{
    // The lowest loss is epoch 6 of 10, not the last: the agent must pick it, not the final file.
    private static readonly double[] Losses = [0.31, 0.24, 0.19, 0.15, 0.12, 0.081, 0.09, 0.095, 0.1, 0.11];
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(TestWorld.Offer(501, machine: 71, price: 0.42));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task ApplyingTheSdxlSample_TrainsOnARentedGpu_UploadsTheLowestLossEpoch_AndReleasesTheGpu()
    {
        _stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = Losses };
        var started = TimeProvider.System.GetTimestamp();

        await _stack.ApplyAsync(Samples.Read("trainingrun-sdxl.yaml"));
        var run = await _stack.WaitForAsync("portrait-sdxl", r => r.Status?.Phase is TrainingPhase.Completed or TrainingPhase.Failed or TrainingPhase.Stalled, seconds: 60, cancellationToken: TestContext.Current.CancellationToken);
        var completedAt = Scenario.Now;
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        var agent = Assert.Single(_stack.Agents.Agents.Values);
        Assert.True(run.Status!.Phase == TrainingPhase.Completed, $"{run.Status.Phase}: {run.Status.Message}\n{agent.Output}");
        var status = run.Status;
        Assert.Equal(100, status.Progress!.Percent);
        Assert.Equal(Losses.Length, status.Progress.Epoch);
        Assert.Equal(Losses, status.Epochs.Where(e => e.Epoch >= 1).Select(e => Math.Round(e.Loss!.Value, 4)));
        Assert.Equal(Enumerable.Range(0, Losses.Length + 1), status.Epochs.Select(e => e.Epoch));
        Assert.Equal(6, status.Output!.Epoch);
        Assert.Equal(0.081, status.Output.Loss!.Value, 4);
        Assert.Equal("s3://trained-loras/loras/anna/portrait-sdxl.safetensors", status.Output.Uri);

        var uploaded = await _stack.S3.GetObjectAsync(TestWorld.OutputBucket, "loras/anna/portrait-sdxl.safetensors", TestContext.Current.CancellationToken);
        var trained = Directory.GetFiles(Path.Combine(_stack.Agents.WorkDirectory(agent.InstanceId), "output"), "*-000006.safetensors");
        Assert.Equal(await File.ReadAllBytesAsync(Assert.Single(trained), TestContext.Current.CancellationToken), uploaded);
        Assert.Equal(uploaded!.LongLength, status.Output.Bytes);
        // The run completes once the operator has verified the upload; the agent may still be finishing its last report.
        await agent.Process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(0, agent.ExitCode);

        // The GPU is released, and the bill is what a ~one-minute rental of a $0.42/h GPU costs.
        var ledger = await _stack.WaitForNothingAliveAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(0, ledger.AliveInstances);
        var instance = Assert.Single(ledger.Instances);
        Assert.Equal(agent.InstanceId, instance.InstanceId);
        Assert.Equal(instance.InstanceId.ToString(System.Globalization.CultureInfo.InvariantCulture), status.Gpu!.InstanceId);
        var released = await _stack.WaitForAsync("portrait-sdxl", r => r.Status?.Gpu?.ReleasedAt is not null, seconds: 10, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(TrainingPhase.Completed, released.Status!.Phase);

        // The cost the user reads (to the cent's hundredth) matches what Vast billed.
        Assert.InRange(released.Status.Cost!.EstimatedUsd, ledger.Dollars - 0.0002, ledger.Dollars + 0.0002);
        Assert.True(released.Status.Cost.EstimatedUsd > 0);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"completed in {elapsed.TotalSeconds:F1}s; ledger: {ledger.InstanceSeconds:F1} instance-s, {ledger.GpuSeconds:F1} GPU-s, ${ledger.Dollars:F6}; status cost ${released.Status.Cost.EstimatedUsd:F4}");
        Assert.InRange(ledger.Dollars, 0.42 * ledger.GpuSeconds / 3600, (0.42 + 0.02) * ledger.InstanceSeconds / 3600);
        Assert.Empty(_stack.Vast.HookFailures);
        await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt: booting, training and uploading until the run completed"));
    }
}
