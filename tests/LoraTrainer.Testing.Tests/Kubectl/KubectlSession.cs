using System.Diagnostics;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Testing.Tests.Kubectl;

/// <summary>A fake API server plus a kubeconfig and a private cache folder, and a way to run the real kubectl against them.</summary>
internal sealed class KubectlSession : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);
    private readonly string _folder;
    private readonly string _kubeconfig;

    private KubectlSession(FakeKubeApiServer server, string folder, string kubeconfig)
    {
        Server = server;
        _folder = folder;
        _kubeconfig = kubeconfig;
    }

    public FakeKubeApiServer Server { get; }

    /// <summary>kubectl from PATH (or /usr/bin), or null when it is not installed.</summary>
    public static string? KubectlPath { get; } = Locate();

    /// <summary>Starts a session; skips the test when kubectl is not installed.</summary>
    public static async Task<KubectlSession> StartAsync()
    {
        if (KubectlPath is null)
        {
            Assert.Skip("kubectl is not installed on this machine (looked in PATH and /usr/bin)");
        }

        var server = await FakeKubeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var folder = Path.Combine(Path.GetTempPath(), $"kubectl-test-{Guid.NewGuid():N}");
        var kubeconfig = await server.WriteKubeconfigAsync(Path.Combine(folder, "kubeconfig"), cancellationToken: TestContext.Current.CancellationToken);
        return new KubectlSession(server, folder, kubeconfig);
    }

    private static string? Locate() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);

    /// <summary>Writes a file into the session folder and returns its path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>Runs kubectl to completion (bounded by a timeout).</summary>
    public async Task<KubectlResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        return await process.CompleteAsync(CommandTimeout);
    }

    /// <summary>Starts kubectl in the background, for commands that wait (delete, wait).</summary>
    public KubectlProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo(KubectlPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--kubeconfig", _kubeconfig, "--cache-dir", Path.Combine(_folder, "cache"), .. args])
        {
            info.ArgumentList.Add(arg);
        }

        return new KubectlProcess(Process.Start(info) ?? throw new InvalidOperationException("kubectl did not start"));
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>A running kubectl with its output captured.</summary>
internal sealed class KubectlProcess(Process process) : IDisposable
{
    private readonly Task<string> _stdout = process.StandardOutput.ReadToEndAsync();
    private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

    public bool HasExited => process.HasExited;

    public async Task<KubectlResult> CompleteAsync(TimeSpan timeout)
    {
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl did not finish within {timeout.TotalSeconds}s; stderr so far: {await _stderr}");
        }

        return new KubectlResult(process.ExitCode, await _stdout, await _stderr);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }
}

/// <summary>What kubectl printed and how it exited.</summary>
internal sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public KubectlResult EnsureSuccess() =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"kubectl exited with {ExitCode}: {Stderr}{Stdout}");
}
