using System.Diagnostics;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Helm;

namespace LoraTrainer.Chart.Tests.Helm;

/// <summary>Runs helm: the version package-lock.json pins, installed on first use (see <see cref="HelmInstaller"/>).</summary>
internal static class HelmCli
{
    /// <summary>The path of helm, installing it if needed, or skips the test saying why no helm can run here.</summary>
    public static async Task<string> RequireAsync(CancellationToken cancellationToken)
    {
        var helm = await new HelmInstaller(RepositoryRoot.Path).EnsureInstalledAsync(cancellationToken);
        if (helm.Path is null)
        {
            Assert.Skip(helm.Reason!);
        }

        return helm.Path;
    }

    /// <summary>Runs helm with <paramref name="arguments"/> from the repository root; returns the exit code and both outputs.</summary>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string helm, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(helm)
        {
            WorkingDirectory = ChartFiles.PathOf("."),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await errors);
    }
}
