using System.Diagnostics;
using System.Text;

namespace LoraTrainer.EndToEndTests.Programs;

/// <summary>
/// One of the built programs started as a user starts it, <c>dotnet &lt;dll&gt; [args]</c> (or any command), with
/// only <see cref="Environment"/> added to this process's environment and no listening address unless given.
/// </summary>
internal sealed class ProgramRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ProgramRun(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Stdout => Read(_stdout);

    public string Stderr => Read(_stderr);

    /// <summary>The dll of a program this test project references, in the test's output folder.</summary>
    public static string Dll(string assemblyName) => Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static ProgramRun Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The programs decide where to listen and how to log themselves: nothing inherited from the test runner decides it.
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_URLS", "Logging__Format" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        return new ProgramRun(Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start"));
    }

    /// <summary>Runs <c>dotnet <paramref name="dll"/> <paramref name="args"/></c> to its end.</summary>
    public static async Task<ProgramRun> RunAsync(string dll, string[] args, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var run = Start("dotnet", [dll, .. args], environment, workingDirectory);
        await run.WaitForExitAsync();
        return run;
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the process to end (at most a minute, a slow start on a busy machine included).</summary>
    public async Task WaitForExitAsync()
    {
        await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        _process.WaitForExit(); // lets the redirected output drain
    }

    /// <summary>Waits until <paramref name="condition"/> holds of what it printed to stdout, or it ended.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        while (!condition(Stdout))
        {
            Assert.False(_process.HasExited, $"it ended with {(_process.HasExited ? _process.ExitCode : 0)}:\n{Stdout}\n{Stderr}");
            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, timeout.Token);
        }

        return Stdout;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder text, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.Append(line).Append('\n');
        }
    }

    private static string Read(StringBuilder text)
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
