using System.Diagnostics;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Tests.Running;

public sealed class AgentProcessTests
{
    [Theory]
    [InlineData(null, "t", "LORATRAINER_RUN_URL is not set")]
    [InlineData("https://hooks.example.com/v1/runs/a/b", null, "LORATRAINER_RUN_TOKEN is not set")]
    [InlineData("not a url", "t", "LORATRAINER_RUN_URL is not an absolute http(s) URL")]
    public async Task LoraAgent_WithoutItsEnvironment_PrintsOneClearLineAndExitsNonZero(string? runUrl, string? token, string message)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lora-agent.dll"));
        start.Environment.Remove(AgentEnvironment.RunUrl);
        start.Environment.Remove(AgentEnvironment.RunToken);
        if (runUrl is not null)
        {
            start.Environment[AgentEnvironment.RunUrl] = runUrl;
        }

        if (token is not null)
        {
            start.Environment[AgentEnvironment.RunToken] = token;
        }

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(ExitCodes.BadSettings, process.ExitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("lora-agent: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }
}
