using System.Diagnostics;

namespace LoraTrainer.Chart.Tests.Helm;

/// <summary>The helm binary on the PATH, when there is one.</summary>
internal static class HelmCli
{
    /// <summary>The path of <c>helm</c>, or null when it is not installed.</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, OperatingSystem.IsWindows() ? "helm.exe" : "helm"))
            .FirstOrDefault(File.Exists);

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
