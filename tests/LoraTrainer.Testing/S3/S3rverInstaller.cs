using LoraTrainer.Testing.Npm;

namespace LoraTrainer.Testing.S3;

/// <summary>What to do about s3rver before starting it.</summary>
public enum S3rverSetupStep
{
    /// <summary>Installed and node is there: start it.</summary>
    Ready,
    /// <summary>Not installed yet, npm is there: run <c>npm ci</c> first.</summary>
    Install,
    /// <summary>It cannot run on this machine (node or npm is missing); tests that need it skip with the reason.</summary>
    Unavailable,
}

/// <summary>The setup decision, with the reason when s3rver cannot run here.</summary>
public sealed record S3rverSetup(S3rverSetupStep Step, string? Reason = null);

/// <summary>Installs s3rver (pinned by the repository's package.json and package-lock.json) on first use.</summary>
/// <remarks>
/// The first test process that needs s3rver on a fresh checkout runs <c>npm ci --no-audit --no-fund</c> in the folder
/// holding package.json; the others wait on a <see cref="CrossProcessLock"/> and find it installed. Only a machine
/// without node or npm skips the S3 tests; a failed install is an error, with npm's output.
/// </remarks>
public sealed class S3rverInstaller(string packageRoot, string? searchPath = null, TimeProvider? time = null)
{
    private readonly NpmCi _npm = new(packageRoot, searchPath, time ?? TimeProvider.System);

    /// <summary>The folder holding package.json.</summary>
    public string PackageRoot => packageRoot;

    /// <summary>The launcher npm writes: <c>node_modules/.bin/s3rver</c>.</summary>
    public string Executable => Path.Combine(packageRoot, "node_modules", ".bin", "s3rver");

    /// <summary>The lock every process takes before installing into <see cref="PackageRoot"/>: one per folder, outside it.</summary>
    public string LockPath => _npm.LockPath;

    /// <summary>The decision for a machine where s3rver is or is not installed and node and npm are or are not on the PATH.</summary>
    public static S3rverSetup Decide(bool installed, bool hasNode, bool hasNpm) => (installed, hasNode, hasNpm) switch
    {
        (_, false, _) => new(S3rverSetupStep.Unavailable,
            "node is not on the PATH: install Node.js 20 or later to run the tests that use s3rver, the S3-compatible server from npm."),
        (true, true, _) => new(S3rverSetupStep.Ready),
        (false, true, false) => new(S3rverSetupStep.Unavailable,
            "s3rver is not installed and npm is not on the PATH: install npm (it comes with Node.js), or run `npm ci` in the repository root."),
        (false, true, true) => new(S3rverSetupStep.Install),
    };

    /// <summary>The decision for this machine as it is now.</summary>
    public S3rverSetup Check() => Decide(File.Exists(Executable), _npm.FindOnPath("node") is not null, _npm.FindOnPath("npm") is not null);

    /// <summary>Installs s3rver unless it is there; null when it is ready to start, else why it cannot run on this machine.</summary>
    /// <exception cref="InvalidOperationException"><c>npm ci</c> failed, or did not produce the launcher.</exception>
    public async Task<string?> EnsureInstalledAsync(CancellationToken cancellationToken = default)
    {
        var setup = Check();
        if (setup.Step != S3rverSetupStep.Install)
        {
            return setup.Reason;
        }

        using (await _npm.LockAsync(cancellationToken).ConfigureAwait(false))
        {
            // Another process may have installed it while this one waited.
            if (!File.Exists(Executable))
            {
                await _npm.RunAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return File.Exists(Executable)
            ? null
            : throw new InvalidOperationException($"`npm ci` in {packageRoot} succeeded but wrote no node_modules/.bin/s3rver: check that package.json pins s3rver.");
    }
}
