using LoraTrainer.Testing.Commands;

namespace LoraTrainer.Testing;

/// <summary>Runs the test kit's fakes as standalone processes: <c>LoraTrainer.Testing &lt;command&gt; [options]</c>.</summary>
internal static class Program
{
    private static readonly IReadOnlyList<ITestKitCommand> Commands = [new KubeApiCommand()];

    public static async Task<int> Main(string[] args)
    {
        var command = args.Length > 0 ? Commands.FirstOrDefault(c => c.Name == args[0]) : null;
        if (command is null)
        {
            await Console.Error.WriteLineAsync(Usage(args.Length > 0 ? $"unknown command '{args[0]}'" : "no command given"));
            return 2;
        }

        using var stop = new CancellationTokenSource();
        void Stop(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
        try
        {
            return await command.RunAsync(CommandArguments.Parse(args[1..]), stop.Token);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{command.Name}: {e.Message}\n\n{command.Usage}");
            return 2;
        }
    }

    private static string Usage(string problem) =>
        $"{problem}\n\nusage: LoraTrainer.Testing <command> [options]\n\ncommands:\n" +
        string.Join("\n", Commands.Select(c => $"  {c.Name,-12} {c.Summary}"));
}
