using System.Diagnostics;
using System.Text.Json;
using LoraTrainer.Agent.Training;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class ReplayCommandTests
{
    private static async Task<(int ExitCode, List<AgentEvent> Events)> ReplayAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await ReplayCommand.RunAsync(args, output, error);
        var events = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonSerializer.Deserialize<AgentEvent>(line, ProtocolJson.Options)!).ToList();
        return (exitCode, events);
    }

    [Fact]
    public async Task Replay_OfAFakeTrainerTranscript_PrintsTheEpochsAndTheBestEpoch()
    {
        using var folder = new TempFolder();
        var log = await CaptureFakeTrainerAsync(folder, [0.30, 0.20, 0.25]);

        var (exitCode, events) = await ReplayAsync(log, "--tfevents", folder.Combine("logs"));

        Assert.Equal(0, exitCode);
        var epochs = events.Where(e => e.Kind == EventKinds.EpochCompleted).ToList();
        Assert.Equal(["anna-000001.safetensors", "anna-000002.safetensors", "anna.safetensors"], epochs.Select(e => e.File));
        var completed = events.Last();
        Assert.Equal(EventKinds.TrainingCompleted, completed.Kind);
        Assert.Equal(2, completed.BestEpoch);
        Assert.Contains(events, e => e.Kind == EventKinds.Progress && e.Percent == 100);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
    }

    [Fact]
    public async Task Replay_WithTheTensorBoardFolder_ReportsEachEpochsFullPrecisionLossAsTheLiveAgentDoes()
    {
        using var folder = new TempFolder();
        var log = await CaptureFakeTrainerAsync(folder, [0.30123, 0.20456, 0.25789]);

        var (_, withTensorBoard) = await ReplayAsync(log, "--tfevents", folder.Combine("logs"));
        var (_, consoleOnly) = await ReplayAsync(log);

        Assert.Equal([0.30123f, 0.20456f, 0.25789f], withTensorBoard.Where(e => e.Kind == EventKinds.EpochCompleted).Select(e => (float)e.Loss!.Value));
        Assert.Equal([0.301, 0.205, 0.258], consoleOnly.Where(e => e.Kind == EventKinds.EpochCompleted).Select(e => e.Loss!.Value));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Replay_OfARunWithAValidationSplit_ChoosesByValidationLoss(bool withTensorBoard)
    {
        using var folder = new TempFolder();
        var log = await CaptureFakeTrainerAsync(folder, [0.30, 0.20, 0.25], validationLosses: [0.28, 0.24, 0.21]);

        var (exitCode, events) = withTensorBoard ? await ReplayAsync(log, "--tfevents", folder.Combine("logs")) : await ReplayAsync(log);

        Assert.Equal(0, exitCode);
        Assert.Equal([0.28, 0.24, 0.21], events.Where(e => e.Kind == EventKinds.EpochCompleted).Select(e => Math.Round(e.ValidationLoss!.Value, 6)));
        var completed = events.Last();
        Assert.Equal((3, SelectionMetrics.ValidationLoss), (completed.BestEpoch, completed.Metric));
        Assert.Equal(0.21, completed.Loss!.Value, 6);
    }

    [Fact]
    public async Task LoraAgentReplay_ThroughTheProgramsEntryPoint_PrintsTheEventsAsJsonLines()
    {
        using var folder = new TempFolder();
        var log = await CaptureFakeTrainerAsync(folder, [0.30, 0.20, 0.25]);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "lora-agent.dll"), "replay", log, "--tfevents", folder.Combine("logs") })
        {
            start.ArgumentList.Add(argument);
        }

        // replay needs no run: without the agent's environment it must still work.
        start.Environment.Remove(AgentEnvironment.RunUrl);
        start.Environment.Remove(AgentEnvironment.RunToken);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {stderr}");
        var events = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<AgentEvent>(line, ProtocolJson.Options)!).ToList();
        Assert.Equal([1, 2, 3], events.Where(e => e.Kind == EventKinds.EpochCompleted).Select(e => e.Epoch!.Value));
        Assert.Equal((2, SelectionMetrics.TrainingLoss), (events.Last().BestEpoch, events.Last().Metric));
    }

    [Fact]
    public async Task Replay_OfAFailedRun_EndsWithFailed()
    {
        using var folder = new TempFolder();
        var log = folder.Combine("oom.log");
        await File.WriteAllTextAsync(log, "epoch 1/3\nsteps:  10%|█ | 1/10 [00:01<00:09, 1.0it/s, avr_loss=0.2]\rtorch.OutOfMemoryError: CUDA out of memory.\n", TestContext.Current.CancellationToken);

        var (exitCode, events) = await ReplayAsync(log);

        Assert.Equal(1, exitCode);
        Assert.Equal(EventKinds.Failed, events.Last().Kind);
        Assert.Contains("out of memory", events.Last().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_WithoutALogFile_PrintsUsage()
    {
        using var error = new StringWriter();

        var exitCode = await ReplayCommand.RunAsync([], TextWriter.Null, error);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("usage: lora-agent replay", error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<string> CaptureFakeTrainerAsync(TempFolder folder, double[] losses, double[]? validationLosses = null)
    {
        var images = folder.Combine("images");
        Directory.CreateDirectory(images);
        foreach (var name in new[] { "a.png", "b.png", "c.png" })
        {
            await File.WriteAllTextAsync(Path.Combine(images, name), "x", TestContext.Current.CancellationToken);
        }

        await File.WriteAllTextAsync(folder.Combine("model.safetensors"), "m", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(folder.Combine("args.toml"), $$"""
            pretrained_model_name_or_path = "{{folder.Combine("model.safetensors")}}"
            output_dir = "{{folder.Combine("out")}}"
            output_name = "anna"
            save_every_n_epochs = 1
            max_train_epochs = 3
            logging_dir = "{{folder.Combine("logs")}}"
            log_with = "tensorboard"
            {{(validationLosses is null ? "" : "validation_split = 0.34")}}
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(folder.Combine("dataset.toml"), $"""
            [[datasets]]
            resolution = 512
            [[datasets.subsets]]
            image_dir = "{images}"
            num_repeats = 2
            """, TestContext.Current.CancellationToken);

        var log = folder.Combine("train.log");
        var start = new ProcessStartInfo("sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("\"$@\" > \"$LOG\" 2>&1");
        start.ArgumentList.Add("sh");
        foreach (var word in TrainerCommand.Expand(FakeSdScripts.CommandTemplate(new FakeTrainerSettings { EpochLosses = losses, ValidationLosses = validationLosses }), new Dictionary<string, string>
        {
            ["script"] = "train_network.py",
            ["configFile"] = folder.Combine("args.toml"),
            ["datasetConfig"] = folder.Combine("dataset.toml"),
        }))
        {
            start.ArgumentList.Add(word);
        }

        start.Environment["LOG"] = log;
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
        return log;
    }
}
