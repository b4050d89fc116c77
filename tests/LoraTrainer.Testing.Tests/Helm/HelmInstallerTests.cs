using System.Diagnostics;
using System.IO.Compression;
using LoraTrainer.Testing.Helm;

namespace LoraTrainer.Testing.Tests.Helm;

/// <summary>
/// The first-use install of helm, against a throw-away package folder whose installed package holds a layer.zip with a
/// script for helm, so nothing is downloaded and the repository's own node_modules is never touched.
/// </summary>
public sealed class HelmInstallerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("helm-install-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true, true, true, true, false, HelmSetupStep.Ready)]
    [InlineData(true, true, false, false, true, HelmSetupStep.Ready)]
    [InlineData(true, false, true, true, false, HelmSetupStep.Unpack)]
    [InlineData(true, false, false, true, true, HelmSetupStep.Install)]
    [InlineData(true, false, false, false, true, HelmSetupStep.OnPath)]
    [InlineData(true, false, false, false, false, HelmSetupStep.Unavailable)]
    [InlineData(false, false, true, true, true, HelmSetupStep.OnPath)]
    [InlineData(false, false, true, true, false, HelmSetupStep.Unavailable)]
    public void Decide_ForWhatTheMachineHas_PrefersThePinnedHelmAndSkipsOnlyWhenNoHelmCanRun(
        bool linuxX64, bool unpacked, bool packageInstalled, bool hasNpm, bool helmOnPath, HelmSetupStep expected)
    {
        var setup = HelmInstaller.Decide(unpacked, packageInstalled, linuxX64, hasNpm, helmOnPath);

        Assert.Equal(expected, setup.Step);
        Assert.Equal(expected == HelmSetupStep.Unavailable, setup.Reason is not null);
    }

    [Fact]
    public void Decide_WhenNoHelmCanRun_SaysWhatToInstall()
    {
        Assert.Contains("npm is not on the PATH", HelmInstaller.Decide(false, false, linuxX64: true, hasNpm: false, helmOnPath: false).Reason);
        Assert.Contains("Linux x64", HelmInstaller.Decide(false, false, linuxX64: false, hasNpm: true, helmOnPath: false).Reason);
    }

    [Fact]
    public async Task EnsureInstalledAsync_WithThePackageInstalled_UnpacksAnExecutableHelmOnceForConcurrentCallers()
    {
        SkipUnlessLinuxX64();
        var installer = new HelmInstaller(_root);
        WriteLayer(installer, "#!/bin/sh\necho 'version.BuildInfo{Version:\"v0.0.0-test\"}'\n");

        var found = await Task.WhenAll(installer.EnsureInstalledAsync(Ct), new HelmInstaller(_root).EnsureInstalledAsync(Ct));
        var version = await RunAsync(found[0].Path!, "version");

        Assert.All(found, helm => Assert.Equal(installer.Executable, helm.Path));
        Assert.Contains("v0.0.0-test", version, StringComparison.Ordinal);
        Assert.Equal([Path.GetFileName(installer.Executable)], Directory.GetFiles(Path.GetDirectoryName(installer.Executable)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task EnsureInstalledAsync_WhenThePackageHoldsNoHelm_ThrowsSayingSo()
    {
        SkipUnlessLinuxX64();
        var installer = new HelmInstaller(_root);
        Directory.CreateDirectory(Path.GetDirectoryName(installer.Layer)!);
        using (var archive = ZipFile.Open(installer.Layer, ZipArchiveMode.Create))
        {
            archive.CreateEntry("kubectl/kubectl");
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => installer.EnsureInstalledAsync(Ct));

        Assert.Contains("holds no helm/helm", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(installer.Executable));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void SkipUnlessLinuxX64()
    {
        if (!HelmInstaller.PinnedRunsHere)
        {
            Assert.Skip("the pinned helm is unpacked only on Linux x64.");
        }
    }

    /// <summary>An installed package like the real one: lib/layer.zip with helm at helm/helm (and kubectl beside it).</summary>
    private static void WriteLayer(HelmInstaller installer, string helmScript)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(installer.Layer)!);
        using var archive = ZipFile.Open(installer.Layer, ZipArchiveMode.Create);
        archive.CreateEntry("kubectl/kubectl");
        using var writer = new StreamWriter(archive.CreateEntry("helm/helm").Open());
        writer.Write(helmScript);
    }

    private static async Task<string> RunAsync(string program, string argument)
    {
        using var process = Process.Start(new ProcessStartInfo(program, argument) { RedirectStandardOutput = true })!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return output;
    }
}
