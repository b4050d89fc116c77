using LoraTrainer.Testing.Commands;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Tests.Commands;

public sealed class TestKitCliTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> CommandNames() => new(TestKitCli.Commands.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CommandNames))]
    public async Task Help_OfACommand_PrintsItsOptionsAndExitsZero(string name)
    {
        var (code, output, _) = await RunAsync(name, "--help");

        Assert.Equal(0, code);
        Assert.Contains($"usage: LoraTrainer.Testing {name} [--port", output);
    }

    [Fact]
    public async Task Help_WithoutACommand_ListsEveryCommand()
    {
        var (code, output, _) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.All(["kube-api", "vast-sim", "civitai", "s3"], name => Assert.Contains($"  {name} ", output));
    }

    [Fact]
    public async Task UnknownCommand_IsRefusedWithTheCommandListAndExitCodeTwo()
    {
        var (code, _, error) = await RunAsync("minio");

        Assert.Equal(2, code);
        Assert.StartsWith("unknown command 'minio'", error);
        Assert.Contains("  vast-sim ", error);
    }

    [Theory]
    [InlineData("--colour", "blue", "unknown option --colour")]
    [InlineData("--port", "70000", "--port must be between 0 and 65535, got 70000")]
    [InlineData("--port", "eighty", "--port must be a number, got 'eighty'")]
    public async Task WrongOption_IsRefusedWithTheCommandsUsageAndExitCodeTwo(string option, string value, string message)
    {
        var (code, _, error) = await RunAsync("vast-sim", option, value);

        Assert.Equal(2, code);
        Assert.StartsWith($"vast-sim: {message}", error);
        Assert.Contains("usage: LoraTrainer.Testing vast-sim", error);
    }

    [Fact]
    public async Task Serve_OnATakenPort_FailsWithExitCodeOneAndSaysTheAddressIsInUse()
    {
        await using var occupant = await VastSimulator.StartAsync(cancellationToken: Ct);

        var (code, _, error) = await RunAsync("civitai", "--port", occupant.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, code);
        Assert.StartsWith("civitai: ", error);
        Assert.Contains("address already in use", error);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await TestKitCli.RunAsync(args, output, error, Ct);
        return (code, output.ToString(), error.ToString());
    }
}
