using System.Diagnostics;
using LoraTrainer.Testing.Processes;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The real operator program, <c>dotnet LoraTrainer.Operator.dll</c> (or its published Native AOT file), as its own process configured through its
/// environment (as a Deployment configures it). <see cref="Kill"/> is SIGKILL: no shutdown code of the operator
/// runs, and a restart is a new process with no memory of the old one.
/// </summary>
internal sealed class OperatorHost(IReadOnlyDictionary<string, string?> environment) : IAsyncDisposable
{
    /// <summary>The program, copied next to this assembly (the test kit references the operator's project).</summary>
    public const string Program = "LoraTrainer.Operator";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly OutputTail _output = new(lines: 60);
    private Process? _process;

    /// <summary>Whether an operator process is running.</summary>
    public bool Running => _process is { HasExited: false };

    /// <summary>When the current process first answered <c>/readyz</c> (its informers synced), on the system clock.</summary>
    public DateTimeOffset ReadyAt { get; private set; }

    /// <summary>
    /// A program to run instead of <c>dotnet LoraTrainer.Operator.dll</c>, e.g. the Native AOT operator as its image
    /// ships it (<see cref="NativePrograms.Operator"/>); null runs the JIT build. Takes effect at the next start.
    /// </summary>
    public string? Executable { get; set; }

    /// <summary>Settings added to the operator's environment (e.g. <c>Operator__LeaderElection__Enabled</c>) at the next start.</summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>The program the current process runs, or null when none runs.</summary>
    public string? RunningProgram => _process is { HasExited: false } process ? process.StartInfo.FileName : null;

    /// <summary>The last lines the operator printed, for failure messages.</summary>
    public string Output() => _output.Text();

    /// <summary>Starts the operator on a free loopback port and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">It exited, or was not ready within a minute; the message carries its output.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var baseUrl = DotnetProgram.FreeLoopbackUrl();
        var settings = new Dictionary<string, string?>(environment, StringComparer.Ordinal);
        foreach (var (name, value) in Settings)
        {
            settings[name] = value;
        }

        var start = Executable is { } executable
            ? DotnetProgram.NativeStartInfo(executable, baseUrl, settings)
            : DotnetProgram.StartInfo(Path.Combine(AppContext.BaseDirectory, Program + ".dll"), baseUrl, settings);
        var process = Process.Start(start) ?? throw new InvalidOperationException("the operator did not start");
        _output.Follow(process);
        _process = process;
        await DotnetProgram.WaitForReadyAsync(process, baseUrl, "operator", ReadyTimeout, Output, Kill, cancellationToken);
        ReadyAt = TimeProvider.System.GetUtcNow();
    }

    /// <summary>SIGKILL, as the kernel kills a process or the kubelet an unresponsive pod; returns once it is gone.</summary>
    public void Kill()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        // Nothing of the old process may reconcile once the new one starts.
        process.WaitForExit();
        process.Dispose();
        _process = null;
    }

    /// <summary>Kills the operator and starts a new one, ready.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        Kill();
        await StartAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        return ValueTask.CompletedTask;
    }
}
