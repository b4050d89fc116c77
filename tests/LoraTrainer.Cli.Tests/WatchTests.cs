using LoraTrainer.Api;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.World;

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

    [Fact]
    public async Task Watch_ShowsEachEpochAsItIsWritten_ReadingTheRunOnceAndThenWatchingIt()
    {
        await using var cluster = await KubeFixture.StartAsync();
        var watching = await StartWatchingAsync(cluster);
        cluster.SeedRun("anna", Training(epoch: 2, loss: 0.2));
        cluster.SeedRun("anna", Completed);
        var result = await watching;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("epoch 1/3 loss 0.3000", result.Stdout);
        Assert.Contains("epoch 2/3 loss 0.2000", result.Stdout);
        Assert.Contains("completed: epoch 3 (loss 0.0810) at s3://loras/anna/anna.safetensors", result.Stdout);
        var runRequests = cluster.Kube.RequestLog.Where(e => e.Path.EndsWith("/trainingruns/anna", StringComparison.Ordinal) || e.IsWatch).ToList();
        Assert.Single(runRequests, e => !e.IsWatch);
        Assert.Contains(runRequests, e => e.IsWatch && Uri.UnescapeDataString(e.Query).Contains("fieldSelector=metadata.name=anna", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_WhenTheServerDropsTheWatch_ReadsWhatChangedMeanwhile_AndWatchesAgain()
    {
        await using var cluster = await KubeFixture.StartAsync();
        var watching = await StartWatchingAsync(cluster);
        cluster.Kube.DropAllWatches(abortConnections: true);
        cluster.SeedRun("anna", Training(epoch: 2, loss: 0.2));
        await Eventually.UntilAsync(() => cluster.Kube.RequestLog.Count(e => e.IsWatch) >= 2, TimeSpan.FromSeconds(30), "a second watch",
            cancellationToken: TestContext.Current.CancellationToken);
        cluster.SeedRun("anna", Completed);
        var result = await watching;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("epoch 2/3 loss 0.2000", result.Stdout);
        Assert.Contains("completed: epoch 3", result.Stdout);
    }

    [Fact]
    public async Task Watch_ForAUserWhoMayReadRunsButNotWatchThem_FollowsTheRunByReadingIt()
    {
        await using var cluster = await KubeFixture.StartAsync();
        cluster.Kube.FailNextRequests(new RequestMatcher("GET", "/apis/loratrainer.io/**", WatchOnly: true), count: 100, statusCode: 403);
        cluster.SeedRun("anna", Training(epoch: 1, loss: 0.3));

        var watching = Plugin.RunAsync("watch", "anna", "--kubeconfig", cluster.Kubeconfig);
        await Eventually.UntilAsync(() => cluster.Kube.RequestLog.Any(e => e.IsWatch && e.StatusCode == 403), TimeSpan.FromSeconds(30), "the refused watch",
            cancellationToken: TestContext.Current.CancellationToken);
        cluster.SeedRun("anna", Completed);
        var result = await watching;

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("completed: epoch 3", result.Stdout);
        Assert.Single(cluster.Kube.RequestLog, e => e.IsWatch);
    }

    /// <summary>Starts <c>kubectl lora watch anna</c> on a run at epoch 1 and returns once the plugin watches it.</summary>
    private static async Task<Task<PluginResult>> StartWatchingAsync(KubeFixture cluster)
    {
        cluster.SeedRun("anna", Training(epoch: 1, loss: 0.3));
        var watching = Plugin.RunAsync("watch", "anna", "--kubeconfig", cluster.Kubeconfig);
        await Eventually.UntilAsync(() => cluster.Kube.ActiveWatchCount > 0, TimeSpan.FromSeconds(30), "the plugin's watch",
            cancellationToken: TestContext.Current.CancellationToken);
        return watching;
    }

    private static TrainingRunStatus Training(int epoch, double loss) => new()
    {
        Phase = TrainingPhase.Training,
        Progress = new ProgressStatus { Percent = epoch * 33, Epoch = epoch, TotalEpochs = 3, Loss = loss },
    };

    private static TrainingRunStatus Completed => new()
    {
        Phase = TrainingPhase.Completed,
        Progress = new ProgressStatus { Percent = 100, Epoch = 3, TotalEpochs = 3, Loss = 0.081 },
        Output = new OutputStatus { Uri = "s3://loras/anna/anna.safetensors", Epoch = 3, Loss = 0.081, Bytes = 1234, Sha256 = new string('a', 64) },
        Message = "the LoRA is in s3://loras/anna/anna.safetensors",
    };
}
