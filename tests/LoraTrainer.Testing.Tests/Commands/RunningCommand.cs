using System.Text.RegularExpressions;
using LoraTrainer.Testing.Commands;

namespace LoraTrainer.Testing.Tests.Commands;

/// <summary>A test kit command running in the test's process, as <c>LoraTrainer.Testing &lt;args&gt;</c> would run it.</summary>
internal sealed partial class RunningCommand : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stop = new();

    private RunningCommand(string[] args) =>
        Exit = Task.Run(() => TestKitCli.RunAsync(args, Output, Error, _stop.Token));

    public OutputCapture Output { get; } = new();

    public OutputCapture Error { get; } = new();

    /// <summary>The exit code, once the command ends.</summary>
    public Task<int> Exit { get; }

    public static RunningCommand Start(params string[] args) => new(args);

    /// <summary>Waits for the <c>… listening on URL</c> line and returns the URL; fails with what was printed if the command ends first.</summary>
    public async Task<Uri> WaitUntilListeningAsync()
    {
        var listening = Output.WaitForAsync(ListeningLine(), Patience);
        if (await Task.WhenAny(listening, Exit) == Exit)
        {
            Assert.Fail($"the command ended with {await Exit} before listening:\n{Error.Text}{Output.Text}");
        }

        return new Uri((await listening).Groups[1].Value);
    }

    /// <summary>The first group of <paramref name="pattern"/> in what the command printed.</summary>
    public async Task<string> PrintedAsync(Regex pattern) => (await Output.WaitForAsync(pattern, Patience)).Groups[1].Value;

    /// <summary>Asks the command to stop, as Ctrl+C does, and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await Exit.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Exit.IsCompleted)
        {
            await StopAsync();
        }

        _stop.Dispose();
        await Output.DisposeAsync();
        await Error.DisposeAsync();
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningLine();
}
