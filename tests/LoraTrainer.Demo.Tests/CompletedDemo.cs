using System.Net;
using System.Text.RegularExpressions;
using LoraTrainer.Demo;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Demo.Tests;

/// <summary>
/// One run of the demo to completion, its output written as into a file (not a terminal) and everything kept up
/// afterwards until Ctrl+C, shared by the tests that read it.
/// </summary>
public sealed partial class CompletedDemo : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"loratrainer-demo-{Guid.NewGuid():N}");

    /// <summary>The programs the demo needs that this machine lacks; the demo did not run when there are any.</summary>
    public IReadOnlyList<string> Missing { get; } = Prerequisites.Missing();

    /// <summary>The demo's exit code.</summary>
    public int ExitCode { get; private set; }

    /// <summary>Everything the demo printed.</summary>
    public string Text { get; private set; } = "";

    /// <summary>The folder the LoRA was copied to.</summary>
    public string Folder => _folder;

    public async ValueTask InitializeAsync()
    {
        if (Missing.Count > 0)
        {
            return;
        }

        // Kept up after the run as at a terminal: the dashboard is asked for the run while it is, then Ctrl+C is pressed.
        using var ctrlC = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var output = new WatchedOutput("Press Ctrl+C to stop.");
        var demo = new DemoRun(output, new DemoSettings { StepSeconds = 0.001, StayUp = true }).RunAsync(_folder, ctrlC.Token);
        if (await Task.WhenAny(output.Seen, demo) == output.Seen && DashboardUrl().Match(output.ToString()) is { Success: true } url)
        {
            using var http = new HttpClient { BaseAddress = new Uri(url.Groups["url"].Value), Timeout = TimeSpan.FromSeconds(30) };
            using var page = await http.GetAsync(new Uri("/", UriKind.Relative), ctrlC.Token);
            DashboardPage = page.StatusCode;
            DashboardRuns = await http.GetStringAsync(new Uri("/api/runs", UriKind.Relative), ctrlC.Token);
            await ctrlC.CancelAsync();
        }

        ExitCode = await demo;
        Text = output.ToString();
    }

    /// <summary>What the dashboard's page answered after the run ended, while the demo kept it up; null when it was not asked.</summary>
    public HttpStatusCode? DashboardPage { get; private set; }

    /// <summary>The runs the dashboard listed then, as JSON.</summary>
    public string DashboardRuns { get; private set; } = "";

    /// <summary>Skips the calling test when the demo could not run here, naming what is missing.</summary>
    public void SkipUnlessItRan() =>
        Assert.SkipWhen(Missing.Count > 0, "The demo needs programs this machine lacks: " + string.Join("; ", Missing));

    [GeneratedRegex(@"Dashboard: (?<url>http://127\.0\.0\.1:\d+/)")]
    internal static partial Regex DashboardUrl();

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
