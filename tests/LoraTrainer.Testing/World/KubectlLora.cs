using System.Diagnostics;

namespace LoraTrainer.Testing.World;

/// <summary>What one run of the kubectl plugin printed and how it ended.</summary>
internal sealed record PluginResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
}

/// <summary>
/// kubectl-lora, the kubectl plugin, as the built program (<c>dotnet kubectl-lora.dll</c> from this assembly's folder),
/// with the environment a user gives it and no AWS settings inherited from the machine.
/// </summary>
internal static class KubectlLora
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Runs <c>kubectl lora <paramref name="args"/></c> in <paramref name="workingDirectory"/> with <paramref name="environment"/>; cancelling stops it.</summary>
    public static async Task<PluginResult> RunAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kubectl-lora.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        // No profile file and no instance metadata: the credential chain sees only what the caller gives it.
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(workingDirectory, "no-credentials");
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(workingDirectory, "no-config");
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl-lora did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(CommandTimeout, cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return new PluginResult(process.ExitCode, await stdout, await stderr);
    }
}
