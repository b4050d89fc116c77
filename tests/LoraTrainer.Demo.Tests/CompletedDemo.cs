using LoraTrainer.Demo;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Demo.Tests;

/// <summary>One run of the demo to completion, its output written as into a file (not a terminal), shared by the tests that read it.</summary>
public sealed class CompletedDemo : IAsyncLifetime
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

        var output = new StringWriter();
        ExitCode = await new DemoRun(output, new DemoSettings { StepSeconds = 0.001 }).RunAsync(_folder, TestContext.Current.CancellationToken);
        Text = output.ToString();
    }

    /// <summary>Skips the calling test when the demo could not run here, naming what is missing.</summary>
    public void SkipUnlessItRan() =>
        Assert.SkipWhen(Missing.Count > 0, "The demo needs programs this machine lacks: " + string.Join("; ", Missing));

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
