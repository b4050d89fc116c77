using System.Diagnostics;

namespace LoraTrainer.Testing.World;

/// <summary>The real kubectl against the Kubernetes API fake, with its own kubeconfig and cache folder.</summary>
internal sealed class Kubectl(string kubeconfig, string cacheDirectory)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The kubeconfig that reaches the world's API server, for other clients (kubectl-lora) to use.</summary>
    public string KubeconfigPath => kubeconfig;

    /// <summary>kubectl from PATH (or /usr/bin), or null when it is not installed.</summary>
    public static string? Path { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator).Append("/usr/bin")
            .Select(dir => System.IO.Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs kubectl and returns what it printed; a non-zero exit throws with kubectl's own message.</summary>
    public async Task<string> RunAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo(Path ?? throw new InvalidOperationException("kubectl is not installed"))
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--kubeconfig", kubeconfig, "--cache-dir", cacheDirectory, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within {CommandTimeout.TotalSeconds}s");
        }

        return process.ExitCode == 0
            ? await stdout
            : throw new InvalidOperationException($"kubectl {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
    }

    /// <summary><c>kubectl apply -f -</c> with <paramref name="manifest"/> on stdin.</summary>
    public Task<string> ApplyAsync(string manifest, string @namespace) => RunAsync(manifest, "apply", "-n", @namespace, "-f", "-");
}
