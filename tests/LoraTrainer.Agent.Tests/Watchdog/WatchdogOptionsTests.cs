using LoraTrainer.Agent.Configuration;

namespace LoraTrainer.Agent.Tests.Watchdog;

public sealed class WatchdogOptionsTests
{
    [Theory]
    [InlineData("00:00:00", "00:00:30", "https://console.vast.ai", "Agent:SelfDestructWindow")]
    [InlineData("00:30:00", "00:00:00", "https://console.vast.ai", "Agent:WatchdogInterval")]
    [InlineData("00:01:00", "00:05:00", "https://console.vast.ai", "Agent:WatchdogInterval")]
    [InlineData("00:30:00", "00:00:30", "console.vast.ai", "Agent:VastBaseUrl")]
    [InlineData("00:30:00", "00:00:30", "ftp://console.vast.ai", "Agent:VastBaseUrl")]
    public void Validate_WithABadWatchdogSetting_NamesTheKeyToFix(string window, string interval, string vastBaseUrl, string key)
    {
        var options = Valid();
        options.SelfDestructWindow = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture);
        options.WatchdogInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture);
        options.VastBaseUrl = vastBaseUrl;

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, failure => failure.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TheDefaults_PassWithoutAnyVastVariables()
    {
        var result = new AgentOptionsValidator().Validate(null, Valid());

        Assert.True(result.Succeeded);
    }

    private static AgentOptions Valid() => new() { RunUrl = "https://hooks.example.com/v1/runs/ml-team/portrait", RunToken = "token" };
}
