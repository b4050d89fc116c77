using System.Text;

namespace LoraTrainer.Demo.Tests;

/// <summary>What the demo prints, readable while it runs, with a task that completes once <paramref name="marker"/> has been printed.</summary>
internal sealed class WatchedOutput(string marker) : TextWriter
{
    private readonly StringBuilder _text = new();
    private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Completes when the marker has been printed.</summary>
    public Task Seen => _seen.Task;

    public override void Write(char value) => Write(value.ToString());

    public override void Write(string? value)
    {
        lock (_text)
        {
            _text.Append(value);
            if (_text.ToString().Contains(marker, StringComparison.Ordinal))
            {
                _seen.TrySetResult();
            }
        }
    }

    public override string ToString()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }
}
