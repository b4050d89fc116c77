using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Testing.World;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.EndToEndTests;

/// <summary>A run with sample prompts leaves every epoch's PNGs in S3 with their keys in status, and the user can then choose the epoch.</summary>
public sealed class SampleImageTests : IAsyncLifetime
{
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(TestWorld.Offer(511, machine: 81, price: 0.40));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task Run_WithTwoPromptsForFourEpochsAndABaseline_LeavesTenPngsInS3_AndSelectedEpochReplacesTheCanonicalLora()
    {
        var cancellation = TestContext.Current.CancellationToken;
        _stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = [0.3, 0.2, 0.15, 0.18] };

        await _stack.ApplyAsync(Samples.Sampled(selectedEpoch: null));
        var run = await _stack.WaitForAsync("sampled", r => r.Status?.Phase is TrainingPhase.Completed or TrainingPhase.Failed or TrainingPhase.Stalled, seconds: 60, cancellationToken: cancellation);

        var agent = Assert.Single(_stack.Agents.Agents.Values);
        Assert.True(run.Status!.Phase == TrainingPhase.Completed, $"{run.Status.Phase}: {run.Status.Message}\n{agent.Output}");
        var keys = await _stack.S3.ListKeysAsync(TestWorld.OutputBucket, cancellationToken: cancellation);
        var pngs = keys.Where(k => k.StartsWith("loras/anna/samples/sampled/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(10, pngs.Count);
        Assert.Equal([0, 1, 2, 3, 4], run.Status.Epochs.Select(e => e.Epoch));
        var inStatus = run.Status.Epochs.SelectMany(e => e.Samples ?? []).Select(s => s.Key).ToList();
        Assert.Equal(pngs, inStatus.Order(StringComparer.Ordinal));
        Assert.Equal("loras/anna/samples/sampled/e000003-01.png", run.Status.Epochs.Single(e => e.Epoch == 3).Samples![1].Key);

        // Each object is the PNG sd-scripts rendered on the GPU host, byte for byte.
        var rendered = Directory.GetFiles(Path.Combine(_stack.Agents.WorkDirectory(agent.InstanceId), "output", "sample"), "*.png");
        var renderedHashes = rendered.Select(p => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(p)))).ToHashSet();
        foreach (var key in pngs)
        {
            var bytes = (await _stack.S3.GetObjectAsync(TestWorld.OutputBucket, key, cancellation))!;
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(bytes)), renderedHashes);
        }

        Assert.Equal(10, renderedHashes.Count);
        Assert.Equal(3, run.Status.Output!.Epoch);
        Assert.Equal(OutputChoosers.Metric, run.Status.Output.ChosenBy);

        // The states saved every epoch while the agent kept reporting are each completed once, and the last is deleted
        // once the run is completed: none is left, no upload is left open, and nothing was worth a Warning.
        await _stack.WaitForAsync("sampled", r => r.Status is { Phase: TrainingPhase.Completed, Resume: null }, cancellationToken: cancellation);
        Assert.DoesNotContain(await _stack.S3.ListKeysAsync(TestWorld.OutputBucket, cancellationToken: cancellation),
            k => k.StartsWith("loras/anna/states/sampled/", StringComparison.Ordinal));
        Assert.Empty(_stack.S3.PendingUploadIds(TestWorld.OutputBucket));
        Assert.DoesNotContain(_stack.Kube.List("v1", "Event", _stack.Namespace), e => (string?)e["reason"] == "StateNotSaved");

        // The user prefers epoch 2: the canonical key then holds epoch 2's bytes.
        await _stack.ApplyAsync(Samples.Sampled(selectedEpoch: 2));
        var selected = await _stack.WaitForAsync("sampled", r => r.Status?.Output?.ChosenBy == OutputChoosers.User, seconds: 30, cancellationToken: cancellation);

        var canonical = await _stack.S3.GetObjectAsync(TestWorld.OutputBucket, "loras/anna/sampled.safetensors", cancellation);
        var epoch2 = await _stack.S3.GetObjectAsync(TestWorld.OutputBucket, "loras/anna/sampled-000002.safetensors", cancellation);
        Assert.Equal(epoch2, canonical);
        Assert.Equal(2, selected.Status!.Output!.Epoch);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(epoch2!)), selected.Status.Output.Sha256);
        Assert.Equal(TrainingPhase.Completed, selected.Status.Phase);
    }

    [Fact]
    public async Task SelectedEpoch_WhenOnlyTheBestEpochWasKept_IsRefusedWithAStatusMessage()
    {
        var cancellation = TestContext.Current.CancellationToken;
        _stack.Agents.Trainer = _ => new FakeTrainerSettings { EpochLosses = [0.3, 0.2, 0.15, 0.18] };
        await _stack.ApplyAsync(Samples.Sampled(selectedEpoch: null, keep: "best", saveStateEveryNEpochs: 0));
        await _stack.WaitForPhaseAsync("sampled", TrainingPhase.Completed, seconds: 60, cancellationToken: cancellation);

        await _stack.ApplyAsync(Samples.Sampled(selectedEpoch: 2, keep: "best", saveStateEveryNEpochs: 0));
        var refused = await _stack.WaitForAsync("sampled", r => r.Status?.Message?.StartsWith("spec.output.selectedEpoch", StringComparison.Ordinal) == true, seconds: 30, cancellationToken: cancellation);

        Assert.Equal("spec.output.selectedEpoch: epoch 2 was not kept: only the lowest-loss epoch (3) was uploaded (output.keep: best); set output.keep: all before training to choose among epochs", refused.Status!.Message);
        Assert.Equal(3, refused.Status.Output!.Epoch);
        Assert.Equal(TrainingPhase.Completed, refused.Status.Phase);
    }
}
