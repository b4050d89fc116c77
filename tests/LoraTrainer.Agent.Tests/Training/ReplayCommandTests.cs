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

    private static async Task<string> CaptureFakeTrainerAsync(TempFolder folder, double[] losses)
    {
        var images = folder.Combine("images");
        Directory.CreateDirectory(images);
        foreach (var name in new[] { "a.png", "b.png", "c.png" })
        {
            await File.WriteAllTextAsync(Path.Combine(images, name), "x", TestContext.Current.CancellationToken);
        }

        await File.WriteAllTextAsync(folder.Combine("model.safetensors"), "m", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(folder.Combine("args.toml"), $"""
            pretrained_model_name_or_path = "{folder.Combine("model.safetensors")}"
            output_dir = "{folder.Combine("out")}"
            output_name = "anna"
            save_every_n_epochs = 1
            max_train_epochs = 3
            logging_dir = "{folder.Combine("logs")}"
            log_with = "tensorboard"
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
        foreach (var word in TrainerCommand.Expand(FakeSdScripts.CommandTemplate(new FakeTrainerSettings { EpochLosses = losses }), new Dictionary<string, string>
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
