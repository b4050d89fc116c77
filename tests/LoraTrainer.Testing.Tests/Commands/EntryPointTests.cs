using System.Diagnostics;

namespace LoraTrainer.Testing.Tests.Commands;

/// <summary>The kit's executable itself: what a developer starts for the local demo and stops with Ctrl+C or SIGTERM.</summary>
public sealed class EntryPointTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task VastSim_AsAProcess_ServesUntilSigtermThenExitsCleanly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "SIGTERM is a POSIX signal");
        using var process = StartKit("vast-sim", "--port", "0");
        var stdout = new OutputCapture();
        process.OutputDataReceived += (_, e) => stdout.WriteLine(e.Data);
        process.BeginOutputReadLine();
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);

        try
        {
            var url = (await stdout.WaitForAsync(new(@"listening on (http://\S+)"), Patience)).Groups[1].Value;
            using var http = new HttpClient();
            var answer = await http.PostAsync(new Uri(new Uri(url), "api/v0/bundles/"), new StringContent("{}"), TestContext.Current.CancellationToken);
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Patience, TestContext.Current.CancellationToken);

            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, answer.StatusCode);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {await stderr}");
            Assert.Contains("billed $", stdout.Text);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static Process StartKit(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LoraTrainer.Testing.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the test kit did not start");
    }
}
