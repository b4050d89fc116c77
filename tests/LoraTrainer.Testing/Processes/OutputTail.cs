using System.Diagnostics;

namespace LoraTrainer.Testing.Processes;

/// <summary>
/// The last lines a child process printed, stdout and stderr together, for error messages. Reading them all the time
/// also keeps a full pipe from stalling the process's logging.
/// </summary>
/// <param name="lines">How many lines to keep.</param>
public sealed class OutputTail(int lines)
{
    private readonly Queue<string> _tail = new();

    /// <summary>Starts reading <paramref name="process"/>'s redirected output.</summary>
    public void Follow(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The lines kept, oldest first.</summary>
    public string Text()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > lines)
            {
                _tail.Dequeue();
            }
        }
    }
}
