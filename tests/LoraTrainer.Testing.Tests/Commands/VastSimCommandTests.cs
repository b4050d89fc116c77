using System.Text.RegularExpressions;
using LoraTrainer.Testing.Tests.Vast;

namespace LoraTrainer.Testing.Tests.Commands;

public sealed partial class VastSimCommandTests
{
    [Fact]
    public async Task VastSim_OnPortZero_ServesItsOffersToThePrintedKeyAndReportsTheBillOnStop()
    {
        await using var command = RunningCommand.Start("vast-sim", "--port", "0", "--api-key", "demo-key");
        var url = await command.WaitUntilListeningAsync();
        var key = await command.PrintedAsync(ApiKeyLine());
        using var wire = new VastWire(url, key);
        using var stranger = new VastWire(url, "wrong-key");

        var offers = await wire.SearchAsync(new { verified = new { eq = true }, order = new[] { new[] { "dph_total", "asc" } } });
        var refused = await stranger.SendAsync(HttpMethod.Post, "api/v0/bundles/", new { });
        var exitCode = await command.StopAsync();

        Assert.Equal("demo-key", key);
        Assert.Equal(["RTX 3060", "RTX 3090", "RTX 4090", "RTX 4090", "RTX 5090", "A100 SXM4"], offers["offers"]!.AsArray().Select(o => o!["gpu_name"]!.GetValue<string>()));
        Assert.Equal(401, refused.Status);
        Assert.Equal(0, exitCode);
        Assert.Contains("billed $0.0000 for 0 instance(s)", command.Output.Text);
    }

    [GeneratedRegex(@"API key: (\S+)")]
    private static partial Regex ApiKeyLine();
}
