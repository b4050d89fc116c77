using System.Security.Cryptography;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.Trainer;
using LoraTrainer.Testing.World;

namespace LoraTrainer.EndToEndTests;

/// <summary><c>spec.finish: now</c> mid-training keeps the best epoch saved so far and releases the GPU as a normal end does.</summary>
public sealed class FinishEarlyTests : IAsyncLifetime
{
    // The best epoch so far is 2 until epoch 10, which the finish never lets the trainer reach.
    private static readonly double[] Losses = [0.30, 0.12, 0.20, 0.19, 0.18, 0.17, 0.16, 0.15, 0.14, 0.05];
    private TestWorld _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await Scenario.StartStackAsync(TestWorld.Offer(1101, machine: 111, price: 0.30));

    // A test skipped for a missing program has no stack.
    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task FinishNow_AtEpoch3Of10_UploadsTheBestEpochSavedSoFar_CompletesFinishedEarly_AndReleasesTheGpu()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        _stack.Agents.Trainer = _ => Scenario.Slow with { EpochLosses = Losses };
        await _stack.ApplyAsync(Samples.Minimal("finished", epochs: Losses.Length));
        await _stack.WaitForAsync("finished", r => r.Status?.Epochs.Any(e => e.Epoch >= 3) == true, seconds: 60, cancellationToken);

        var finishedAt = Scenario.Now;
        await _stack.Kubectl.RunAsync(null, "patch", "trainingrun", "finished", "-n", _stack.Namespace, "--type=merge", "-p", """{"spec":{"finish":"now"}}""");
        var run = await _stack.WaitForAsync("finished", r => PhaseMachine.IsTerminal(r), seconds: 60, cancellationToken);
        var completedAt = Scenario.Now;
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"finish set → run terminal in {(completedAt - finishedAt).TotalSeconds:F1} s; epochs trained: {string.Join(",", _stack.Agents.TrainedEpochs)}");

        var agent = Assert.Single(_stack.Agents.Agents.Values);
        var status = run.Status!;
        Assert.True(status.Phase == TrainingPhase.Completed, $"{status.Phase}: {status.Message}\n{agent.Output}");
        Assert.Equal(PhaseMachine.FinishedEarlyReason, status.Reason);
        Assert.Equal(PhaseMachine.FinishedEarlyReason, status.Conditions.Find(ConditionTypes.Succeeded)!.Reason);
        Assert.True(status.Output!.FinishedEarly);
        Assert.Equal(2, status.Output.Epoch);
        Assert.StartsWith("finished early (spec.finish: now): epoch 2", status.Message, StringComparison.Ordinal);
        Assert.InRange(_stack.Agents.TrainedEpochs.Count, 3, Losses.Length - 1);

        // What landed in S3 is epoch 2's file, byte for byte, with the SHA-256 status reports.
        var uploaded = await _stack.S3.GetObjectAsync(TestWorld.OutputBucket, status.Output.Uri!["s3://trained-loras/".Length..], cancellationToken);
        var epoch2 = Directory.GetFiles(Path.Combine(_stack.Agents.WorkDirectory(agent.InstanceId), "output"), "*-000002.safetensors");
        Assert.Equal(await File.ReadAllBytesAsync(Assert.Single(epoch2), cancellationToken), uploaded);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(uploaded!)), status.Output.Sha256);

        var events = await _stack.WaitForEventAsync("finished", e => e.Reason == PhaseMachine.FinishedEarlyReason, cancellationToken);
        Assert.Equal("Normal", events.Type);
        await _stack.AssertLedgerAsync(InstanceBudget.Until(completedAt, "the one attempt, until the run finished early"));
    }
}

internal static class EventWaits
{
    /// <summary>The first Event of run <paramref name="name"/> matching <paramref name="predicate"/>; the operator records it just after the status write.</summary>
    public static async Task<Corev1Event> WaitForEventAsync(this TestWorld stack, string name, Func<Corev1Event, bool> predicate, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (true)
        {
            if (stack.Kube.List<Corev1Event>(stack.Namespace).FirstOrDefault(e => e.InvolvedObject.Name == name && predicate(e)) is { } found)
            {
                return found;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }
}
