using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LoraTrainer.Demo;
using LoraTrainer.Testing.World;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Demo.Tests;

/// <summary>The local demo runs end to end, so the README's command cannot rot; and when it cannot, it says why in one line.</summary>
public sealed partial class DemoTests(CompletedDemo demo) : IClassFixture<CompletedDemo>
{
    [Fact]
    public void Demo_RunsTheSampleToCompletion_AndSaysWhereTheModelIsAndThatTheCloudIsSimulated()
    {
        demo.SkipUnlessItRan();

        Assert.True(demo.ExitCode == 0, demo.Text);
        Assert.Contains("SIMULATED", demo.Text, StringComparison.Ordinal);
        Assert.Contains("100%  epoch 10/10", demo.Text, StringComparison.Ordinal);
        Assert.Contains("Best epoch: 6 (loss 0.081)", demo.Text, StringComparison.Ordinal);
        Assert.Contains("s3://trained-loras/loras/anna/portrait-sdxl.safetensors", demo.Text, StringComparison.Ordinal);
        Assert.Contains("instances alive at Vast: 0", demo.Text, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(demo.Folder, "portrait-sdxl.safetensors")));
    }

    [Fact]
    public void Demo_ListsEachEpochsSampleImages_AndCopiesThemAsPngsBesideTheLora()
    {
        demo.SkipUnlessItRan();

        // The sample manifest draws two prompts at every one of its 10 epochs and once before training.
        var folder = Path.Combine(demo.Folder, "samples");
        var copied = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.png") : [];
        Assert.True(copied.Length == 22, demo.Text);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.All(copied, png => Assert.Equal(signature, File.ReadAllBytes(png)[..8]));
        Assert.Equal(22, copied.Select(File.ReadAllBytes).Select(Convert.ToHexString).Distinct().Count());
        Assert.Contains("before training:", demo.Text, StringComparison.Ordinal);
        Assert.Contains("epoch 10:", demo.Text, StringComparison.Ordinal);
        foreach (var png in copied)
        {
            Assert.Contains(Path.GetFileName(png), demo.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Demo_PrintsTheDashboardsUrlBeforeTheRunStarts_AndKeepsItAnsweringAfterTheRunUntilCtrlC()
    {
        demo.SkipUnlessItRan();

        var url = CompletedDemo.DashboardUrl().Match(demo.Text);
        Assert.True(url.Success, demo.Text);
        Assert.True(url.Index < demo.Text.IndexOf("] phase pending", StringComparison.Ordinal), demo.Text);
        Assert.Equal(HttpStatusCode.OK, demo.DashboardPage);
        Assert.Contains("\"portrait-sdxl\"", demo.DashboardRuns, StringComparison.Ordinal);
        Assert.Contains($"Everything is still running. The dashboard: {url.Groups["url"].Value}", demo.Text, StringComparison.Ordinal);
        // Ctrl+C after the run ends keeps the run's exit code.
        Assert.True(demo.ExitCode == 0, demo.Text);
    }

    [Fact]
    public void Demo_AppliesTheSampleWithKubectlLoraTrain_WhichChecksAndUploadsThePhotosFirst()
    {
        demo.SkipUnlessItRan();

        var train = demo.Text.IndexOf("$ kubectl lora train ./photos -f config/samples/trainingrun-sdxl.yaml --detach\n", StringComparison.Ordinal);
        var applied = demo.Text.IndexOf("  trainingrun.loratrainer.io/portrait-sdxl applied in namespace ", StringComparison.Ordinal);
        Assert.True(train >= 0 && applied > train, demo.Text);
        Assert.Contains("2 images, 1 captions: uploaded 3", demo.Text[train..applied], StringComparison.Ordinal);
        Assert.True(applied < demo.Text.IndexOf("] phase pending", StringComparison.Ordinal), demo.Text);
    }

    [Fact]
    public async Task Demo_FetchesTheVerifiedLoraAndSamplesWithKubectlLoraDownload_ShowingTheCommand()
    {
        demo.SkipUnlessItRan();

        var lora = Path.Combine(demo.Folder, "portrait-sdxl.safetensors");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(lora, TestContext.Current.CancellationToken)));
        Assert.Contains($"$ kubectl lora download portrait-sdxl -o {demo.Folder} --samples\n", demo.Text, StringComparison.Ordinal);
        Assert.Contains($"  downloaded {lora} (sha256 {sha256}, verified)\n", demo.Text, StringComparison.Ordinal);
        Assert.Contains($"  downloaded 22 sample images into {Path.Combine(demo.Folder, "samples")}\n", demo.Text, StringComparison.Ordinal);
        Assert.Contains($"sha256 {sha256}", demo.Text.Split("$ kubectl lora download")[0], StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz-Signature", demo.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Demo_ShowsEveryPhaseOfTheRun_InOrder_InTheWordsKubectlShows()
    {
        demo.SkipUnlessItRan();

        var phases = PhaseLine().Matches(demo.Text).Select(m => m.Groups["phase"].Value);

        Assert.Equal(["pending", "pendingGpu", "pendingImages", "pendingModel", "training", "completed"], phases);
    }

    [Fact]
    public void Demo_NamesTheGpuAsNvidiaSmiOnTheSimulatedHostReportsIt()
    {
        demo.SkipUnlessItRan();

        Assert.Contains("phase training: training on NVIDIA GeForce RTX 4090", demo.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown", demo.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_WhenItsOutputIsNotATerminal_WritesPlainLines_OneForEachEpoch()
    {
        demo.SkipUnlessItRan();

        Assert.DoesNotContain('\r', demo.Text);
        var lines = demo.Text.Split('\n');
        Assert.All(Enumerable.Range(1, 10), epoch => Assert.Contains(lines, l => l.StartsWith("  [", StringComparison.Ordinal) && l.Contains($"epoch {epoch}/10", StringComparison.Ordinal)));
    }

    [Fact]
    public void Demo_TheSimulatedBillAndStatusCost_AgreeToTheDigitsTheStatusKeeps()
    {
        demo.SkipUnlessItRan();

        var figures = Bill().Match(demo.Text);
        Assert.True(figures.Success, demo.Text);
        var bill = double.Parse(figures.Groups["bill"].Value, CultureInfo.InvariantCulture);
        var cost = double.Parse(figures.Groups["cost"].Value, CultureInfo.InvariantCulture);
        // status.cost keeps four decimals: the bill rounds to it, give or take the milliseconds of the create and destroy requests.
        Assert.True(Math.Abs(bill - cost) <= 0.00005 + 0.00001, figures.Value);
    }

    [Fact]
    public async Task Demo_WhenTheTrainingFails_SaysWhyAndShowsTheEndOfTheGpuContainersLog()
    {
        demo.SkipUnlessItRan();
        var folder = Path.Combine(Path.GetTempPath(), $"loratrainer-demo-{Guid.NewGuid():N}");
        var output = new StringWriter();

        var exitCode = await new DemoRun(output, new DemoSettings { StepSeconds = 0.001, TrainerMode = FakeTrainerMode.Oom })
            .RunAsync(folder, TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.True(exitCode == 1, text);
        Assert.Contains("The run ended failed: training: The GPU ran out of memory", text, StringComparison.Ordinal);
        Assert.Contains("The GPU container's log (instance ", text, StringComparison.Ordinal);
        // The trainer's own words, which only its log holds.
        Assert.Contains("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Demo_AskedForHelp_ExplainsItselfAndWhatItReads_AndStartsNothing(string option)
    {
        using var cwd = new TemporaryFolder();

        var (exitCode, stdout, stderr) = await RunDemoProgramAsync(cwd.Path, option);

        Assert.True(exitCode == 0, stderr);
        Assert.Contains("usage: dotnet run --project tools/Demo [-- [--no-wait] OUTPUT-FOLDER]", stdout, StringComparison.Ordinal);
        Assert.Contains("PATH", stdout, StringComparison.Ordinal);
        Assert.Contains("exit codes:", stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwd.Path));
    }

    [Theory]
    [InlineData(new[] { "--no-wait" }, "loratrainer-demo-output")]
    [InlineData(new[] { "out", "--no-wait" }, "out")]
    public void Parse_WithNoWait_ExitsWhenTheRunEndsAndStillTakesTheFolder(string[] args, string folder)
    {
        var commandLine = DemoCommandLine.Parse(args);

        Assert.Null(commandLine.Error);
        Assert.True(commandLine.NoWait);
        Assert.Equal(folder, commandLine.OutputDirectory);
        Assert.Contains("--no-wait", DemoCommandLine.Usage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_AskedForItsVersion_PrintsItInOneLine()
    {
        using var cwd = new TemporaryFolder();

        var (exitCode, stdout, _) = await RunDemoProgramAsync(cwd.Path, "--version");

        Assert.Equal(0, exitCode);
        Assert.Matches(@"^lora-demo \d+\.\d+\.\d+\S*\n$", stdout.ReplaceLineEndings("\n"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwd.Path));
    }

    [Fact]
    public async Task Demo_GivenAnUnknownOption_SaysSoInOneLineWithExitCode2()
    {
        using var cwd = new TemporaryFolder();

        var (exitCode, stdout, stderr) = await RunDemoProgramAsync(cwd.Path, "--out", "x");

        Assert.Equal(2, exitCode);
        Assert.Equal("lora-demo: unknown option '--out'; run with --help to see the arguments\n", stderr.ReplaceLineEndings("\n"));
        Assert.Empty(stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cwd.Path));
    }

    [Fact]
    public async Task Demo_WhenItCannotFinishInTime_StopsWithOneLineSayingSo()
    {
        SkipUnlessInstalled();
        var folder = Path.Combine(Path.GetTempPath(), $"loratrainer-demo-{Guid.NewGuid():N}");
        var output = new StringWriter();

        var exitCode = await new DemoRun(output, new DemoSettings { StepSeconds = 1, Timeout = TimeSpan.FromSeconds(2) }).RunAsync(folder, TestContext.Current.CancellationToken);

        var text = output.ToString();
        Assert.Equal(1, exitCode);
        Assert.Contains("lora-demo: the demo did not finish within 2 seconds (the run ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public void Prerequisites_WhenNothingIsInstalled_NameEachMissingProgramInOneLineWithHowToGetIt()
    {
        var empty = Directory.CreateTempSubdirectory("loratrainer-no-tools-").FullName;
        try
        {
            var missing = Prerequisites.Missing([empty]);

            Assert.Collection(missing,
                line => Assert.StartsWith("dotnet is not on the PATH: install the .NET 10 SDK", line, StringComparison.Ordinal),
                line => Assert.StartsWith("kubectl is not installed", line, StringComparison.Ordinal),
                line => Assert.StartsWith("node is not on the PATH: install Node.js", line, StringComparison.Ordinal),
                line => Assert.StartsWith("python3 is not on the PATH: install Python 3", line, StringComparison.Ordinal));
            Assert.All(missing, line => Assert.DoesNotContain('\n', line));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    private static void SkipUnlessInstalled() =>
        Assert.SkipWhen(Prerequisites.Missing() is { Count: > 0 }, "The demo needs programs this machine lacks: " + string.Join("; ", Prerequisites.Missing()));

    /// <summary>Runs the built demo, <c>dotnet LoraTrainer.Demo.dll</c>, in <paramref name="workingDirectory"/>.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunDemoProgramAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LoraTrainer.Demo.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"\] phase (?<phase>\w+)")]
    private static partial Regex PhaseLine();

    [GeneratedRegex(@"simulated bill \$(?<bill>[0-9.]+) for [0-9.]+ s; status\.cost \$(?<cost>[0-9.]+)")]
    private static partial Regex Bill();

    /// <summary>An empty folder, deleted with what is in it.</summary>
    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("loratrainer-demo-cwd-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
