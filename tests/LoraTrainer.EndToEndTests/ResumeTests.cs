using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Storage;
using LoraTrainer.Testing.World;

namespace LoraTrainer.EndToEndTests;

/// <summary>A run whose host dies continues on another machine from the training state it saved in S3.</summary>
public sealed class ResumeTests : IAsyncLifetime
{
    private const int Epochs = 10;
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(
        TestWorld.Offer(1001, machine: 101, price: 0.30),
        TestWorld.Offer(1002, machine: 102, price: 0.40));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task HostKilledAtEpoch6Of10_TheRetryResumesFromTheSavedState_AndTrainsAtMost11EpochsInAll()
    {
        // Ten distinct losses; the first attempt trains epochs 1 to 6 (or 7) at 2 s each, the retry the rest at once.
        double[] losses = [0.30, 0.25, 0.10, 0.22, 0.21, 0.20, 0.19, 0.18, 0.17, 0.16];
        _stack.Agents.Trainer = launch => Scenario.Slow with { EpochLosses = losses, StepSeconds = launch == 1 ? 0.1 : 0.001 };
        await _stack.ApplyAsync(Samples.Minimal("resumed", heartbeat: "5s", backoffLimit: 1, epochs: Epochs));
        var saved = await _stack.WaitForAsync("resumed", r => r.Status?.Resume?.Epoch >= 6, seconds: 60, TestContext.Current.CancellationToken);

        var killedAt = Scenario.Now;
        _stack.Agents.Kill(long.Parse(saved.Status!.Gpu!.InstanceId!, System.Globalization.CultureInfo.InvariantCulture));

        var run = await _stack.CompletesAsync("resumed");
        var completedAt = Scenario.Now;
        Assert.Equal(2, run.Status!.Attempt);
        var trained = _stack.Agents.TrainedEpochs;
        Assert.True(trained.Count <= Epochs + 1, $"trained {trained.Count} epochs in all: {string.Join(",", trained)}");
        Assert.Equal(Enumerable.Range(1, Epochs), trained.Distinct().Order());
        Assert.Equal(Enumerable.Range(1, Epochs), run.Status.Epochs.Select(e => e.Epoch));
        // TensorBoard keeps float32 losses.
        Assert.All(run.Status.Epochs, e => Assert.Equal(losses[e.Epoch - 1], e.Loss!.Value, 1e-6));
        // The lowest loss of all 10 epochs is epoch 3, which only the first attempt trained: the retry fetched its kept file.
        Assert.Equal(3, run.Status.Output!.Epoch);
        var chosen = await _stack.S3.GetObjectAsync(TestWorld.OutputBucket, S3Uri.Parse(run.Status.Output.Uri!).Key, TestContext.Current.CancellationToken);
        Assert.Equal(run.Status.Output.Sha256, Convert.ToHexStringLower(SHA256.HashData(chosen!)));
        Assert.Equal(run.Status.Output.Sha256, saved.Status.Epochs.Single(e => e.Epoch == 3).Sha256);
        // Completed with keep: best, the run deletes the epoch files and the saved state it needed only for a retry:
        // the bucket holds the chosen epoch alone, status offers no other download, and no upload is left open.
        var tidy = await _stack.WaitForAsync("resumed", r => r.Status is { Resume: null } && r.Status.Epochs.All(e => e.Sha256 is null),
            cancellationToken: TestContext.Current.CancellationToken);
        var keys = await _stack.S3.ListKeysAsync(TestWorld.OutputBucket, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal([S3Uri.Parse(tidy.Status!.Output!.Uri!).Key], keys.Where(k => k.Contains("resumed", StringComparison.Ordinal)));
        Assert.Empty(_stack.S3.PendingUploadIds(TestWorld.OutputBucket));
        await _stack.AssertLedgerAsync(
            InstanceBudget.Until(killedAt + Heartbeat + Scenario.CheckInterval, "attempt 1: until its agent died and the 5 s heartbeat deadline passed"),
            InstanceBudget.Until(completedAt, "attempt 2: until the run completed"));
    }
}
