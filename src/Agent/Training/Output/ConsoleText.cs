using System.Text;
using System.Text.RegularExpressions;

namespace LoraTrainer.Agent.Training.Output;

/// <summary>
/// Turns the trainer's raw console stream into lines: tqdm redraws its bar with <c>\r</c>, not <c>\n</c>, so both
/// end a line; ANSI colour and cursor codes are removed; empty lines are dropped.
/// </summary>
internal sealed partial class ConsoleText
{
    private readonly StringBuilder _pending = new();

    /// <summary>Feeds characters; returns the lines they complete.</summary>
    public IReadOnlyList<string> Feed(ReadOnlySpan<char> chunk)
    {
        List<string>? lines = null;
        foreach (var c in chunk)
        {
            if (c is '\r' or '\n')
            {
                Complete(ref lines);
            }
            else
            {
                _pending.Append(c);
            }
        }

        return lines ?? (IReadOnlyList<string>)[];
    }

    /// <summary>The last unterminated line, if any, at the end of the stream.</summary>
    public IReadOnlyList<string> Flush()
    {
        List<string>? lines = null;
        Complete(ref lines);
        return lines ?? (IReadOnlyList<string>)[];
    }

    /// <summary>Splits a whole transcript into clean lines.</summary>
    public static IReadOnlyList<string> Lines(string transcript)
    {
        var text = new ConsoleText();
        return [.. text.Feed(transcript), .. text.Flush()];
    }

    /// <summary>Removes ANSI escape sequences (colours, cursor moves, OSC titles).</summary>
    public static string StripAnsi(string line) => line.Contains('\u001b', StringComparison.Ordinal) ? Ansi().Replace(line, "") : line;

    private void Complete(ref List<string>? lines)
    {
        if (_pending.Length == 0)
        {
            return;
        }

        var line = StripAnsi(_pending.ToString()).TrimEnd();
        _pending.Clear();
        if (line.Length > 0)
        {
            (lines ??= []).Add(line);
        }
    }

    [GeneratedRegex(@"\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])")]
    private static partial Regex Ansi();
}
