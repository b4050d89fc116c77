using System.Diagnostics;
using LoraTrainer.Cli;

namespace LoraTrainer.Cli.Tests;

/// <summary>What one run of the plugin printed and how it ended.</summary>
internal sealed record PluginResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
}

/// <summary>Runs kubectl-lora: in-process (its entry point, stdout not a terminal) or as the built program.</summary>
internal static class Plugin
{
    public static async Task<PluginResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.RunAsync(args, new CliConsole(output, error, IsTerminal: false), TestContext.Current.CancellationToken);
        return new PluginResult(exit, output.ToString(), error.ToString());
    }

    /// <summary><c>dotnet kubectl-lora.dll args</c> with the AWS settings of <paramref name="environment"/> and none inherited.</summary>
    public static async Task<PluginResult> RunProcessAsync(IReadOnlyDictionary<string, string> environment, string workingDirectory, params string[] args)
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

        // No profile file and no instance metadata: the credential chain sees only what the test gives it.
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(workingDirectory, "no-credentials");
        start.Environment["AWS_CONFIG_FILE"] = Path.Combine(workingDirectory, "no-config");
        start.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
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
