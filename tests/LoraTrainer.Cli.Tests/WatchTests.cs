using LoraTrainer.Api;

namespace LoraTrainer.Cli.Tests;

public sealed class WatchTests
{
    [Fact]
    public async Task Watch_WhenTheRunCompleted_ExitsZeroWithPlainLinesNamingTheLora()
    {
        await using var cluster = await KubeFixture.StartAsync();
        cluster.SeedRun("anna", new TrainingRunStatus
        {
            Phase = TrainingPhase.Completed,
            Progress = new ProgressStatus { Percent = 100, Epoch = 3, TotalEpochs = 3, Loss = 0.081 },
            Epochs = [new EpochLoss { Epoch = 1, Loss = 0.3 }, new EpochLoss { Epoch = 2, Loss = 0.2, Samples = [new SampleImageStatus { Key = "anna/samples/anna/e000002-00.png" }] }, new EpochLoss { Epoch = 3, Loss = 0.081 }],
            Output = new OutputStatus { Uri = "s3://loras/anna/anna.safetensors", Epoch = 3, Loss = 0.081, Bytes = 1234, Sha256 = new string('a', 64) },
            Message = "the LoRA is in s3://loras/anna/anna.safetensors",
        });

        var result = await Plugin.RunAsync("watch", "anna", "--kubeconfig", cluster.Kubeconfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("completed 100% epoch 3/3 loss 0.0810", result.Stdout);
        Assert.Contains("sample (epoch 2): anna/samples/anna/e000002-00.png", result.Stdout);
        Assert.Contains("loss per epoch: █▅▁", result.Stdout);
        Assert.Contains("completed: epoch 3 (loss 0.0810) at s3://loras/anna/anna.safetensors", result.Stdout);
        // Not a terminal: no cursor movement or colour for a CI log to garble.
        Assert.DoesNotContain('\u001b', result.Stdout);
    }

    [Theory]
    [InlineData(TrainingPhase.Failed, "the trainer ran out of GPU memory")]
    [InlineData(TrainingPhase.Stalled, "no heartbeat for 10m; retries spent")]
    public async Task Watch_WhenTheRunFailedOrStalled_ExitsOneWithItsMessage(TrainingPhase phase, string message)
    {
        await using var cluster = await KubeFixture.StartAsync();
        cluster.SeedRun("anna", new TrainingRunStatus { Phase = phase, Message = message });

        var result = await Plugin.RunAsync("watch", "anna", "--kubeconfig", cluster.Kubeconfig);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains($"{phase.ToString().ToLowerInvariant()}: {message}", result.Stderr);
    }
}
