using System.Diagnostics;

namespace LoraTrainer.Chart.Tests.Ci;

/// <summary><c>.ci/skipped</c>, which CI runs before its summary line so that each skipped test shows its reason.</summary>
public sealed class SkippedTestsScriptTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("trx-").FullName;

    [Fact]
    public async Task Skipped_ListsEachSkippedTestWithItsReason_AndNothingElse()
    {
        var first = Write("a.trx", Result("Tests.Helm.Lint", "Passed") + Skipped("Tests.S3.Upload",
            "node is not on the PATH: install Node.js 20 &amp; npm") + Result("Tests.Broken", "Failed", "Assert.Equal() Failure"));
        var second = Write("b.trx", Skipped("Tests.Cluster.Apply(kind: &quot;Run&quot;)", "Docker is not running;\n          start it with &apos;dockerd&apos;")
            + """<UnitTestResult testName="Tests.Bare" outcome="NotExecuted" />""" + "\n");

        var lines = await RunAsync(first, second);

        Assert.Equal([
            "Tests.Bare: (no reason given)",
            "Tests.Cluster.Apply(kind: \"Run\"): Docker is not running; start it with 'dockerd'",
            "Tests.S3.Upload: node is not on the PATH: install Node.js 20 & npm",
        ], lines);
    }

    [Fact]
    public void CiRun_PrintsTheSkippedTestsBeforeItsSummaryLine()
    {
        var script = ChartFiles.Read(".ci/run");

        var listing = script.IndexOf("bash .ci/skipped", StringComparison.Ordinal);
        var summary = script.IndexOf("echo \"${passed} passed, ${failed} failed, ${skipped} skipped\"", StringComparison.Ordinal);

        Assert.InRange(listing, 0, summary);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Result(string name, string outcome, string? message = null) =>
        $"""    <UnitTestResult executionId="1" testName="{name}" computerName="ci" outcome="{outcome}" testListId="2">""" + "\n"
        + (message is null ? "" : $"      <Output>\n        <ErrorInfo>\n          <Message>{message}</Message>\n        </ErrorInfo>\n      </Output>\n")
        + "    </UnitTestResult>\n";

    private static string Skipped(string name, string reason) => Result(name, "NotExecuted", reason);

    private string Write(string file, string results)
    {
        var path = Path.Combine(_folder, file);
        File.WriteAllText(path, $"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<TestRun>\n  <Results>\n{results}  </Results>\n</TestRun>\n");
        return path;
    }

    private static async Task<string[]> RunAsync(params string[] files)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = ChartFiles.PathOf(".") };
        start.ArgumentList.Add(".ci/skipped");
        foreach (var file in files)
        {
            start.ArgumentList.Add(file);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, errors);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
