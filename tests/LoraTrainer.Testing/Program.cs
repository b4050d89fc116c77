using System.Runtime.InteropServices;
using LoraTrainer.Testing.Commands;

namespace LoraTrainer.Testing;

/// <summary>Runs the test kit's fakes as standalone processes: <c>LoraTrainer.Testing &lt;command&gt; [options]</c>.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            // Handled here so the command can stop its server and clean up before the process ends.
            context.Cancel = true;
            stop.Cancel();
        }

        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await TestKitCli.RunAsync(args, Console.Out, Console.Error, stop.Token);
    }
}
