using System.CommandLine;
using System.CommandLine.Help;
using LoraTrainer.CommandLine;
using LoraTrainer.Storage;

namespace LoraTrainer.Cli;

/// <summary>
/// The plugin's entry: parses the command line and runs a command; a problem the user can fix (no cluster, no CRD, no
/// credentials, a missing bucket, RBAC) is one line on stderr, <c>kubectl-lora: …</c>, with exit code 2.
/// </summary>
internal static class CliApp
{
    /// <summary>The name every message starts with.</summary>
    public const string Name = "kubectl-lora";

    /// <summary>Runs the command <paramref name="args"/> name and returns its exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        if (args is ["--version"])
        {
            await console.Out.WriteLineAsync($"{Name} {ProgramInfo.Version}");
            return CliExit.Ok;
        }

        var root = CliCommands.Build(console);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            await console.Error.WriteLineAsync($"{Name}: {parsed.Errors[0].Message.TrimEnd('.')}. See kubectl lora {CommandPath(parsed)}--help.");
            return CliExit.Usage;
        }

        try
        {
            return await parsed.InvokeAsync(
                new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (StartupFailure failure)
        {
            await console.Error.WriteLineAsync($"{Name}: {failure.Message}");
            return CliExit.Usage;
        }
        catch (ObjectStoreException failure)
        {
            await console.Error.WriteLineAsync($"{Name}: {CliStoreErrors.Describe(failure)}");
            return CliExit.Usage;
        }
    }

    private static string CommandPath(ParseResult parsed) =>
        parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + " ";
}
