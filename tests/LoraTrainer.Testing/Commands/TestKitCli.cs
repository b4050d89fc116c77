namespace LoraTrainer.Testing.Commands;

/// <summary>Picks the subcommand named by the first argument, answers <c>--help</c>, and turns failures into exit codes.</summary>
internal static class TestKitCli
{
    private static readonly string[] HelpWords = ["--help", "-h", "help"];

    public static IReadOnlyList<ITestKitCommand> Commands { get; } =
        [new KubeApiCommand(), new VastSimCommand(), new CivitaiCommand(), new S3Command()];

    /// <summary>Runs <c>&lt;command&gt; [options]</c>; 0 on success, 1 when the command failed, 2 for a wrong command line.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        if (args.Count == 0 || HelpWords.Contains(args[0]))
        {
            await (args.Count == 0 ? error : output).WriteLineAsync(Usage(args.Count == 0 ? "no command given" : null));
            return args.Count == 0 ? 2 : 0;
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            await error.WriteLineAsync(Usage($"unknown command '{args[0]}'"));
            return 2;
        }

        if (args.Skip(1).Any(a => HelpWords.Contains(a)))
        {
            await output.WriteLineAsync($"{command.Name}: {command.Summary}\n\n{command.Usage}");
            return 0;
        }

        try
        {
            return await command.RunAsync(CommandArguments.Parse([.. args.Skip(1)]), output, stop);
        }
        catch (ArgumentException e)
        {
            await error.WriteLineAsync($"{command.Name}: {e.Message}\n\n{command.Usage}");
            return 2;
        }
        catch (Exception e) when (e is CommandFailedException or IOException)
        {
            // IOException: Kestrel could not bind, e.g. "Failed to bind to address http://127.0.0.1:6443: address already in use."
            await error.WriteLineAsync($"{command.Name}: {e.Message}");
            return 1;
        }
    }

    private static string Usage(string? problem) =>
        (problem is null ? "" : $"{problem}\n\n") +
        "usage: LoraTrainer.Testing <command> [options]   (<command> --help for its options)\n\ncommands:\n" +
        string.Join("\n", Commands.Select(c => $"  {c.Name,-12} {c.Summary}"));
}
