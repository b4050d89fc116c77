namespace LoraTrainer.Testing.Commands;

/// <summary>One subcommand of the test kit's entry point (for example <c>kube-api</c>).</summary>
/// <remarks>
/// A command throws <see cref="ArgumentException"/> for a wrong option (the usage is shown, exit code 2) and
/// <see cref="CommandFailedException"/> for anything else that stops it (exit code 1).
/// </remarks>
internal interface ITestKitCommand
{
    /// <summary>The word that selects it on the command line.</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Its options, shown by <c>--help</c> and when they are wrong.</summary>
    string Usage { get; }

    /// <summary>Runs until done or until <paramref name="stop"/> (Ctrl+C, SIGTERM); returns the exit code.</summary>
    /// <param name="arguments">The options after the command's name.</param>
    /// <param name="output">Where to tell the user what runs where (standard output).</param>
    /// <param name="stop">Signalled when the user asks the command to end.</param>
    Task<int> RunAsync(CommandArguments arguments, TextWriter output, CancellationToken stop);
}
