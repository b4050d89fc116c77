namespace LoraTrainer.Testing.Commands;

/// <summary>One subcommand of the test kit's entry point (for example <c>kube-api</c>).</summary>
internal interface ITestKitCommand
{
    /// <summary>The word that selects it on the command line.</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Its options, shown when they are wrong.</summary>
    string Usage { get; }

    /// <summary>Runs until done or until <paramref name="stop"/> (Ctrl+C); returns the exit code.</summary>
    Task<int> RunAsync(CommandArguments arguments, CancellationToken stop);
}
