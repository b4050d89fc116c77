namespace LoraTrainer.Cli;

/// <summary>Where a command writes, and whether a person is watching it.</summary>
/// <param name="Out">Standard output: results and the run's progress.</param>
/// <param name="Error">Standard error: the one-line failures.</param>
/// <param name="IsTerminal">True when stdout is a terminal, so the live view may redraw; otherwise plain lines for CI logs.</param>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, bool IsTerminal)
{
    /// <summary>The process's own console.</summary>
    public static CliConsole System() => new(Console.Out, Console.Error, !Console.IsOutputRedirected);
}
