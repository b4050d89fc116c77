using System.Text;
using System.Text.RegularExpressions;

namespace LoraTrainer.Testing.Tests.Commands;

/// <summary>A writer that keeps what a command prints and lets a test wait for a pattern to appear.</summary>
internal sealed class OutputCapture : TextWriter
{
    private readonly StringBuilder _text = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    public string Text
    {
        get { lock (_text) return _text.ToString(); }
    }

    public override void Write(char value) => Append(value.ToString());

    public override void Write(string? value) => Append(value);

    public override void Write(char[] buffer, int index, int count) => Append(new string(buffer, index, count));

    /// <summary>The first match of <paramref name="pattern"/> in what was printed, waiting for it up to <paramref name="timeout"/>.</summary>
    public async Task<Match> WaitForAsync(Regex pattern, TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_text)
            {
                if (pattern.Match(_text.ToString()) is { Success: true } match)
                {
                    return match;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"'{pattern}' not printed within {timeout.TotalSeconds}s; printed:\n{Text}");
            }
        }
    }

    private void Append(string? value)
    {
        TaskCompletionSource changed;
        lock (_text)
        {
            _text.Append(value);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
