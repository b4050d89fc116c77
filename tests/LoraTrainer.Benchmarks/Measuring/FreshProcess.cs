using System.Diagnostics;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>Runs this benchmark program again as a child process, so a measurement starts cold and with clean memory.</summary>
internal static class FreshProcess
{
    /// <summary>Runs the program with <paramref name="arguments"/>, passing its progress lines through; throws when it fails.</summary>
    public static async Task RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            // Started as `dotnet LoraTrainer.Benchmarks.dll`: the child needs the assembly too.
            start.ArgumentList.Add(typeof(FreshProcess).Assembly.Location);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        using var kill = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the measuring process exited with {process.ExitCode}: {await errors}{await output}");
        }
    }
}
