using LoraTrainer.Demo;

namespace LoraTrainer.EndToEndTests;

/// <summary>The local demo runs end to end, so the README's command cannot rot.</summary>
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_RunsTheSampleToCompletion_AndSaysWhereTheModelIsAndThatTheCloudIsSimulated()
    {
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
}
