using LoraTrainer.Testing.S3;

namespace LoraTrainer.Testing.Tests.S3;

/// <summary>
/// The first-use install of s3rver, run against a throw-away package folder whose "s3rver" is a local package, so
/// npm installs it offline and the repository's own node_modules is never touched.
/// </summary>
public sealed class S3rverInstallerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("s3rver-install-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true, true, true, S3rverSetupStep.Ready)]
    [InlineData(true, true, false, S3rverSetupStep.Ready)]
    [InlineData(false, true, true, S3rverSetupStep.Install)]
    [InlineData(false, true, false, S3rverSetupStep.Unavailable)]
    [InlineData(true, false, true, S3rverSetupStep.Unavailable)]
    [InlineData(false, false, true, S3rverSetupStep.Unavailable)]
    public void Decide_ForWhatTheMachineHas_InstallsOnlyWhenMissingAndSkipsOnlyWithoutNodeOrNpm(bool installed, bool hasNode, bool hasNpm, S3rverSetupStep expected)
    {
        var setup = S3rverInstaller.Decide(installed, hasNode, hasNpm);

        Assert.Equal(expected, setup.Step);
        Assert.Equal(expected == S3rverSetupStep.Unavailable, setup.Reason is not null);
    }

    [Fact]
    public void Decide_WhenNodeOrNpmIsMissing_SaysWhichToInstall()
    {
        Assert.StartsWith("node is not on the PATH", S3rverInstaller.Decide(installed: true, hasNode: false, hasNpm: true).Reason);
        Assert.Contains("npm is not on the PATH", S3rverInstaller.Decide(installed: false, hasNode: true, hasNpm: false).Reason);
    }

    [Fact]
    public async Task EnsureInstalledAsync_WhenNodeIsNotOnThePath_ReturnsTheReasonAndInstallsNothing()
    {
        WritePackage();
        var emptyPath = Directory.CreateDirectory(Path.Combine(_root, "empty-bin")).FullName;

        var reason = await new S3rverInstaller(_root, searchPath: emptyPath).EnsureInstalledAsync(Ct);

        Assert.StartsWith("node is not on the PATH", reason);
        Assert.False(Directory.Exists(Path.Combine(_root, "node_modules")));
    }

    [Fact]
    public async Task EnsureInstalledAsync_OnAFreshFolder_RunsNpmCiOnceForConcurrentCallers()
    {
        SkipWithoutNpm();
        WritePackage();
        var first = new S3rverInstaller(_root);
        var second = new S3rverInstaller(_root);

        var reasons = await Task.WhenAll(first.EnsureInstalledAsync(Ct), second.EnsureInstalledAsync(Ct));
        var again = await first.EnsureInstalledAsync(Ct);

        Assert.All([.. reasons, again], Assert.Null);
        Assert.True(File.Exists(first.Executable));
        Assert.Equal(["installed"], await File.ReadAllLinesAsync(Path.Combine(_root, "installs.log"), Ct));
    }

    [Fact]
    public async Task EnsureInstalledAsync_WhenNpmCiFails_ThrowsWithNpmsOutput()
    {
        SkipWithoutNpm();
        WritePackage();
        File.Delete(Path.Combine(_root, "package-lock.json"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new S3rverInstaller(_root).EnsureInstalledAsync(Ct));

        Assert.Contains("`npm ci --no-audit --no-fund`", error.Message);
        Assert.Contains("package-lock.json", error.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void SkipWithoutNpm()
    {
        if (new S3rverInstaller(_root).Check() is { Step: S3rverSetupStep.Unavailable, Reason: { } reason })
        {
            Assert.Skip(reason);
        }
    }

    /// <summary>A package like the repository's, whose s3rver is a local folder and whose install leaves a line in installs.log.</summary>
    private void WritePackage()
    {
        var fake = Directory.CreateDirectory(Path.Combine(_root, "fake-s3rver")).FullName;
        File.WriteAllText(Path.Combine(fake, "package.json"), """{ "name": "s3rver", "version": "0.0.0-test", "bin": { "s3rver": "s3rver.js" } }""");
        File.WriteAllText(Path.Combine(fake, "s3rver.js"), "#!/usr/bin/env node\n");
        File.WriteAllText(Path.Combine(_root, "package.json"), """
            { "name": "kit", "private": true,
              "scripts": { "postinstall": "node -e \"require('fs').appendFileSync('installs.log', 'installed\\n')\"" },
              "devDependencies": { "s3rver": "file:fake-s3rver" } }
            """);
        File.WriteAllText(Path.Combine(_root, "package-lock.json"), """
            {
              "name": "kit", "lockfileVersion": 3, "requires": true,
              "packages": {
                "": { "name": "kit", "hasInstallScript": true, "devDependencies": { "s3rver": "file:fake-s3rver" } },
                "fake-s3rver": { "name": "s3rver", "version": "0.0.0-test", "dev": true, "bin": { "s3rver": "s3rver.js" } },
                "node_modules/s3rver": { "resolved": "fake-s3rver", "link": true }
              }
            }
            """);
    }
}
