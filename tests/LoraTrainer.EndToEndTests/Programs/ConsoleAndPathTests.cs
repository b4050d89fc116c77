using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Processes;

namespace LoraTrainer.EndToEndTests.Programs;

/// <summary>
/// Trying the programs out from a checkout: relative paths mean the user's folder, and the console log is readable in
/// a terminal and JSON for a log collector.
/// </summary>
public sealed partial class ConsoleAndPathTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly string _dir = Directory.CreateTempSubdirectory("loratrainer-console-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task DotnetRunOfTheOperator_WithARelativeKubeconfig_LooksForItInTheCurrentDirectory()
    {
        // As the README's Quick start runs it: `KUBECONFIG=./fake.kubeconfig dotnet run --project src/Operator`.
        var run = ProgramRun.Start("dotnet", ["run", "--no-build", "-c", Configuration, "--project", RepositoryRoot.Combine("src", "Operator")],
            new Dictionary<string, string?>
            {
                ["KUBECONFIG"] = "./fake.kubeconfig",
                ["Operator__ReceiverUrl"] = "http://localhost:5090",
                ["Vast__ApiKey"] = "not-a-real-key",
                ["S3__Region"] = "us-east-1",
            },
            workingDirectory: _dir);
        await using (run)
        {
            await run.WaitForExitAsync();

            Assert.Equal(2, run.ExitCode);
            Assert.Contains($"kubeconfig file not found at {Path.Combine(_dir, "fake.kubeconfig")}.", run.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Receiver_WhenItsOutputIsNotATerminal_LogsOneJsonObjectPerLine()
    {
        await using var receiver = await StartReceiverAsync(terminal: false, format: null);

        var line = await ListeningLineAsync(receiver);

        Assert.StartsWith("{\"EventId\":", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receiver_OnATerminal_LogsOneReadableLinePerEntry()
    {
        await using var receiver = await StartReceiverAsync(terminal: true, format: null);

        var line = await ListeningLineAsync(receiver);

        Assert.DoesNotContain("{", line, StringComparison.Ordinal);
        Assert.Matches("^[0-9]{2}:[0-9]{2}:[0-9]{2} .*info.*Microsoft.Hosting.Lifetime\\[14\\] Now listening on: http://127.0.0.1:", line);
    }

    [Fact]
    public async Task Receiver_OnATerminalWithLoggingFormatJson_LogsJson()
    {
        await using var receiver = await StartReceiverAsync(terminal: true, format: "json");

        var line = await ListeningLineAsync(receiver);

        Assert.StartsWith("{\"EventId\":", line, StringComparison.Ordinal);
    }

    private async Task<ProgramRun> StartReceiverAsync(bool terminal, string? format)
    {
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, Kubeconfig.For(new Uri("http://127.0.0.1:1")), TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = kubeconfig,
            ["ASPNETCORE_URLS"] = DotnetProgram.FreeLoopbackUrl().ToString().TrimEnd('/'),
            ["Logging__Format"] = format,
        };
        var dll = ProgramRun.Dll("LoraTrainer.Webhook");
        if (!terminal)
        {
            return ProgramRun.Start("dotnet", [dll], environment);
        }

        // script(1) gives the program a pseudo-terminal as its stdout, as a shell in a terminal window does.
        var script = new[] { "/usr/bin/script", "/bin/script" }.FirstOrDefault(File.Exists);
        if (script is null)
        {
            Assert.Skip("script (util-linux) is not installed; it gives the program a terminal to write to.");
        }

        return ProgramRun.Start(script, ["-qefc", $"dotnet '{dll}'", "/dev/null"], environment);
    }

    private static async Task<string> ListeningLineAsync(ProgramRun program)
    {
        var output = await program.WaitForOutputAsync(o => o.Contains("Now listening on", StringComparison.Ordinal));
        var line = output.Split('\n').First(l => l.Contains("Now listening on", StringComparison.Ordinal)).TrimEnd('\r');
        return AnsiEscape().Replace(line, "");
    }

    [System.Text.RegularExpressions.GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();
}
