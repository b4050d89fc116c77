using LoraTrainer.Testing;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.Trainer;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The programs the stack runs besides its own .NET code: <c>dotnet</c> (for the operator and the agent),
/// <c>kubectl</c>, Node.js with s3rver, and Python 3 for the simulated GPU's trainer.
/// </summary>
internal static class Prerequisites
{
    /// <summary>One line per missing program, naming it and saying how to get it; empty when everything is there.</summary>
    /// <remarks>Looks on the PATH and in /usr/bin, as <see cref="Kubectl.Path"/> does.</remarks>
    public static IReadOnlyList<string> Missing() =>
        Missing([.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries), "/usr/bin"]);

    /// <summary>One line per program not found in <paramref name="folders"/>, naming it and saying how to get it.</summary>
    public static IReadOnlyList<string> Missing(IReadOnlyList<string> folders)
    {
        var missing = new List<string>();
        if (Find("dotnet", folders) is null)
        {
            missing.Add("dotnet is not on the PATH: install the .NET 10 SDK (the operator and the GPU agent run as `dotnet <program>.dll`)");
        }

        if (Find("kubectl", folders) is null)
        {
            missing.Add("kubectl is not installed (looked on the PATH and in /usr/bin): install kubectl, which applies the sample TrainingRun");
        }

        if (Find("node", folders) is null)
        {
            missing.Add("node is not on the PATH: install Node.js 18 or later and run `npm ci` in the repository root (s3rver, the S3 server, runs on it)");
        }
        else if (RepositoryRoot.TryGet(out var root) && new S3rverInstaller(root).Check() is { Step: S3rverSetupStep.Unavailable, Reason: { } reason })
        {
            // Installed on first start when npm is there; only a machine that cannot install it is missing something.
            missing.Add(reason);
        }

        if (Find(FakeSdScripts.Python, folders) is null)
        {
            missing.Add($"{FakeSdScripts.Python} is not on the PATH: install Python 3 (the simulated GPU's sd-scripts is a Python script)");
        }

        return missing;
    }

    private static string? Find(string program, IReadOnlyList<string> folders) =>
        folders.Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);
}
