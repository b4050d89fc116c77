using System.Net;
using System.Net.Sockets;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.EndToEndTests.Programs;

/// <summary>
/// Every program, built and run as a user runs it, explains itself with --help and --version, and a start-up failure
/// is one line naming the setting to fix, exit code 2, no stack trace.
/// </summary>
public sealed class ProgramStartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("loratrainer-programs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string, string, string> Programs => new()
    {
        { "LoraTrainer.Operator", "loratrainer-operator", "Operator__ReceiverUrl" },
        { "LoraTrainer.Webhook", "loratrainer-receiver", "Receiver__MaxBodyBytes" },
        { "lora-agent", "lora-agent", "LORATRAINER_RUN_URL" },
        { "LoraTrainer.Benchmarks", "loratrainer-benchmarks", "zip" },
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Help_OfEveryProgram_SaysWhatItDoesAndTheSettingsItReadsAsEnvironmentVariables(string assembly, string name, string setting)
    {
        var run = await ProgramRun.RunAsync(ProgramRun.Dll(assembly), ["--help"], workingDirectory: _dir);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.StartsWith($"{name} ", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(setting, run.Stdout, StringComparison.Ordinal);
        Assert.Equal("", run.Stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Version_OfEveryProgram_IsOneLineWithItsName(string assembly, string name, string setting)
    {
        _ = setting;
        var run = await ProgramRun.RunAsync(ProgramRun.Dll(assembly), ["--version"], workingDirectory: _dir);

        Assert.Equal(0, run.ExitCode);
        Assert.Matches($"^{name} [0-9][^\n]*\n$", run.Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Operator_WithoutReceiverUrl_ExitsWithOneLineNamingItsEnvironmentVariable()
    {
        var run = await ProgramRun.RunAsync(ProgramRun.Dll("LoraTrainer.Operator"), [], new Dictionary<string, string?>
        {
            ["Operator__ReceiverUrl"] = null,
            ["Vast__ApiKey"] = "key",
            ["S3__Region"] = "us-east-1",
            ["KUBECONFIG"] = Path.Combine(_dir, "missing"),
        });

        AssertOneLineFailure(run, "loratrainer-operator: invalid settings: ", "Operator__ReceiverUrl");
    }

    [Fact]
    public async Task Receiver_WithAnInvalidSetting_ExitsWithOneLineNamingItsEnvironmentVariable()
    {
        var run = await ProgramRun.RunAsync(ProgramRun.Dll("LoraTrainer.Webhook"), [], new Dictionary<string, string?>
        {
            ["Receiver__MaxBodyBytes"] = "1",
            ["KUBECONFIG"] = await KubeconfigAsync(new Uri("http://127.0.0.1:1")),
        });

        AssertOneLineFailure(run, "loratrainer-receiver: invalid settings: Receiver:MaxBodyBytes (Receiver__MaxBodyBytes): ", "between 1024 and 1048576");
    }

    [Fact]
    public async Task Receiver_WithAKubeconfigThatDoesNotExist_ExitsWithOneLineNamingKubeconfig()
    {
        var run = await ProgramRun.RunAsync(ProgramRun.Dll("LoraTrainer.Webhook"), [], new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = Path.Combine(_dir, "missing"),
        });

        AssertOneLineFailure(run, "loratrainer-receiver: no Kubernetes cluster configured: ", "Set KUBECONFIG");
    }

    [Fact]
    public async Task Receiver_WhenItsPortIsTaken_ExitsWithOneLineSayingHowToChooseAnother()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var run = await ProgramRun.RunAsync(ProgramRun.Dll("LoraTrainer.Webhook"), [], new Dictionary<string, string?>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["KUBECONFIG"] = await KubeconfigAsync(new Uri("http://127.0.0.1:1")),
        });

        AssertOneLineFailure(run, $"loratrainer-receiver: Failed to bind to address http://127.0.0.1:{port}: address already in use", "ASPNETCORE_HTTP_PORTS");
    }

    [Fact]
    public async Task LoggingFormat_WhenNeitherJsonNorText_ExitsWithOneLineNamingIt()
    {
        var run = await ProgramRun.RunAsync(ProgramRun.Dll("LoraTrainer.Webhook"), [], new Dictionary<string, string?>
        {
            ["Logging__Format"] = "yaml",
        });

        AssertOneLineFailure(run, "loratrainer-receiver: Logging:Format (Logging__Format) must be json, text or auto", "'yaml'");
    }

    [Fact]
    public async Task OperatorAndReceiver_OnOneMachineWithTheirDefaults_ListenOnDifferentPortsSideBySide()
    {
        await using var kube = await FakeKubeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        var kubeconfig = await KubeconfigAsync(kube.BaseAddress);
        await using var receiver = ProgramRun.Start("dotnet", [ProgramRun.Dll("LoraTrainer.Webhook")], new Dictionary<string, string?> { ["KUBECONFIG"] = kubeconfig });
        await using var @operator = ProgramRun.Start("dotnet", [ProgramRun.Dll("LoraTrainer.Operator")], new Dictionary<string, string?>
        {
            ["KUBECONFIG"] = kubeconfig,
            ["Operator__ReceiverUrl"] = "http://localhost:5090",
            ["Operator__LeaderElection__Enabled"] = "false",
            ["Vast__ApiKey"] = "not-a-real-key",
            ["Vast__SweepEnabled"] = "false",
            ["S3__Region"] = "us-east-1",
            ["S3__AccessKeyId"] = "id",
            ["S3__SecretAccessKey"] = "secret",
        });

        await receiver.WaitForOutputAsync(o => o.Contains("http://localhost:5090", StringComparison.Ordinal));
        await @operator.WaitForOutputAsync(o => o.Contains("http://localhost:5080", StringComparison.Ordinal));

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("http://localhost:5090/healthz"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("http://localhost:5080/healthz"), TestContext.Current.CancellationToken)).StatusCode);
    }

    private async Task<string> KubeconfigAsync(Uri server)
    {
        var path = Path.Combine(_dir, $"kubeconfig-{server.Port}");
        await File.WriteAllTextAsync(path, Kubeconfig.For(server), TestContext.Current.CancellationToken);
        return path;
    }

    private static void AssertOneLineFailure(ProgramRun run, string start, string mentions)
    {
        Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}:\n{run.Stdout}\n{run.Stderr}");
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(start, line, StringComparison.Ordinal);
        Assert.Contains(mentions, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }
}
