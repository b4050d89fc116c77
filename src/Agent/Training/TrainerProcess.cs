using System.ComponentModel;
using System.Diagnostics;
using System.Threading.Channels;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Training.Output;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Training;

/// <summary>How the trainer ended.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="LogTail">The last console lines, unscrubbed (scrub before sending).</param>
/// <param name="Aborted">True when the agent stopped the trainer.</param>
internal sealed record TrainerExit(int ExitCode, IReadOnlyList<string> LogTail, bool Aborted);

/// <summary>
/// Runs the trainer with <c>PYTHONUNBUFFERED=1</c> and <c>COLUMNS=250</c>, reads stdout and stderr together as
/// lines, feeds each recognised line to the caller, and kills the whole process tree when asked to abort or when
/// cancelled.
/// </summary>
/// <remarks>
/// sd-scripts draws its progress bar on stderr and prints epoch boundaries on stdout. Read through two pipes, the
/// two streams reach the agent in whatever order the pipes are drained, and a bar drawn before <c>epoch 3/10</c>
/// could be read after it, giving epoch 2's mean loss to epoch 3. So the trainer is started through
/// <c>/bin/sh</c> with its stderr joined to its stdout (<c>2&gt;&amp;1</c>): one pipe, written in the order the
/// trainer wrote.
/// </remarks>
internal sealed class TrainerProcess(ILogger<TrainerProcess> logger)
{
    /// <summary>Runs <paramref name="argv"/> to its end.</summary>
    /// <param name="argv">Program and arguments.</param>
    /// <param name="workingDirectory">The working directory.</param>
    /// <param name="tailLines">How many lines to keep for <see cref="TrainerExit.LogTail"/>.</param>
    /// <param name="onSignal">Called for each signal; returns true to stop the trainer now.</param>
    /// <param name="cancellationToken">Kills the trainer.</param>
    /// <param name="stop">Kills the trainer too, without throwing: the caller decides what its end means.</param>
    public async Task<TrainerExit> RunAsync(IReadOnlyList<string> argv, string workingDirectory, int tailLines,
        Func<TrainerSignal, bool> onSignal, CancellationToken cancellationToken, CancellationToken stop = default)
    {
        using var process = Start(argv, workingDirectory);
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, lines.Writer), PumpAsync(process.StandardError, lines.Writer))
            .ContinueWith(_ => lines.Writer.TryComplete(), TaskScheduler.Default);

        var tail = new Queue<string>();
        var aborted = false;
        await using (cancellationToken.Register(() => Kill(process)))
        await using (stop.Register(() => Kill(process)))
        {
            await foreach (var line in lines.Reader.ReadAllAsync(CancellationToken.None))
            {
                tail.Enqueue(line);
                if (tail.Count > tailLines)
                {
                    tail.Dequeue();
                }

                var signal = TrainerOutputParser.Parse(line);
                if (signal is StepProgress)
                {
                    TrainingLog.ProgressLine(logger, line);
                }
                else
                {
                    TrainingLog.Line(logger, line);
                }

                if (!aborted && signal is not null && onSignal(signal))
                {
                    aborted = true;
                    TrainingLog.Aborting(logger, signal.ToString());
                    Kill(process);
                }
            }

            await pumps;
            await process.WaitForExitAsync(CancellationToken.None);
        }

        cancellationToken.ThrowIfCancellationRequested();
        TrainingLog.Exited(logger, process.ExitCode);
        return new TrainerExit(process.ExitCode, [.. tail], aborted || stop.IsCancellationRequested);
    }

    private Process Start(IReadOnlyList<string> argv, string workingDirectory)
    {
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? argv[0] : "/bin/sh")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        if (!OperatingSystem.IsWindows())
        {
            // "$0" is "sh"; "$@" is the trainer's argv, passed as words, never re-parsed by the shell.
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec \"$@\" 2>&1");
            start.ArgumentList.Add("sh");
        }

        foreach (var argument in OperatingSystem.IsWindows() ? argv.Skip(1) : argv)
        {
            start.ArgumentList.Add(argument);
        }

        // Python block-buffers a piped stdout; tqdm sizes its bar from COLUMNS.
        start.Environment["PYTHONUNBUFFERED"] = "1";
        start.Environment["COLUMNS"] = "250";

        // The trainer needs none of the agent's secrets; keep them out of its environment (and any crash dump of it).
        start.Environment.Remove(AgentEnvironment.RunToken);
        start.Environment.Remove(AgentEnvironment.RunUrl);
        start.Environment.Remove("CONTAINER_API_KEY");

        TrainingLog.Starting(logger, Path.GetFileName(argv[0]), argv.FirstOrDefault(a => a.EndsWith(".py", StringComparison.Ordinal)) ?? "");
        try
        {
            return Process.Start(start) ?? throw new StageFailure(Stages.Training, $"The trainer command '{Path.GetFileName(argv[0])}' did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new StageFailure(Stages.Training, $"The trainer command '{Path.GetFileName(argv[0])}' could not be started: {ex.Message}", ex);
        }
    }

    private static async Task PumpAsync(StreamReader reader, ChannelWriter<string> lines)
    {
        var text = new ConsoleText();
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            foreach (var line in text.Feed(buffer.AsSpan(0, read)))
            {
                await lines.WriteAsync(line);
            }
        }

        foreach (var line in text.Flush())
        {
            await lines.WriteAsync(line);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
