using LoraTrainer.Demo;
using LoraTrainer.Demo.Stack;

namespace LoraTrainer.EndToEndTests;

/// <summary>The local demo runs end to end, so the README's command cannot rot; and when it cannot, it says why in one line.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_RunsTheSampleToCompletion_AndSaysWhereTheModelIsAndThatTheCloudIsSimulated()
    {
        SkipUnlessInstalled();
        var folder = Path.Combine(Path.GetTempPath(), $"loratrainer-demo-{Guid.NewGuid():N}");
        var output = new StringWriter();
        try
        {
            var exitCode = await new DemoRun(output, stepSeconds: 0.001).RunAsync(folder, TestContext.Current.CancellationToken);

            var text = output.ToString();
            Assert.True(exitCode == 0, text);
            Assert.Contains("SIMULATED", text, StringComparison.Ordinal);
            Assert.Contains("phase Training", text, StringComparison.Ordinal);
            Assert.Contains("100%  epoch 10/10", text, StringComparison.Ordinal);
            Assert.Contains("Best epoch: 6 (loss 0.081)", text, StringComparison.Ordinal);
            Assert.Contains("s3://trained-loras/loras/anna/portrait-sdxl.safetensors", text, StringComparison.Ordinal);
            Assert.Contains("instances alive at Vast: 0", text, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(folder, "portrait-sdxl.safetensors")));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Demo_WhenItCannotFinishInTime_StopsWithOneLineSayingSo()
    {
        SkipUnlessInstalled();
        var folder = Path.Combine(Path.GetTempPath(), $"loratrainer-demo-{Guid.NewGuid():N}");
        var output = new StringWriter();

        var exitCode = await new DemoRun(output, stepSeconds: 1, timeout: TimeSpan.FromSeconds(2)).RunAsync(folder, TestContext.Current.CancellationToken);

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
}
