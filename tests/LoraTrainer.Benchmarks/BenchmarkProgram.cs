using LoraTrainer.Benchmarks.KubeFake;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Benchmarks.Money;
using LoraTrainer.Benchmarks.Receiver;
using LoraTrainer.Benchmarks.Resume;
using LoraTrainer.Benchmarks.Runtime;
using LoraTrainer.Benchmarks.Scale;
using LoraTrainer.Benchmarks.Startup;
using LoraTrainer.Benchmarks.Zip;
using LoraTrainer.CommandLine;

namespace LoraTrainer.Benchmarks;

/// <summary>
/// Runs one benchmark: <c>dotnet run -c Release --project tests/LoraTrainer.Benchmarks -- &lt;benchmark&gt; [options]</c>.
/// Every benchmark is bounded in time, talks only to servers it starts on 127.0.0.1, and prints its figures.
/// </summary>
internal static class BenchmarkProgram
{
    private static readonly IReadOnlyList<IBenchmark> Benchmarks =
        [new KubeFakeBenchmark(), new RuntimeBenchmark(), new ReceiverBenchmark(), new ZipBenchmark(), new MoneyBenchmark(), new ScaleBenchmark(), new StartupBenchmark(), new ResumeBenchmark()];

    private static readonly ProgramInfo Info = new("loratrainer-benchmarks",
        "Benchmarks of the parts that run without a cluster; each is bounded in time, talks only to servers it starts on "
        + "127.0.0.1, and prints its figures (docs/performance.md explains them).")
    {
        Usage = Usage(),
        Settings = [new("DOTNET_gcServer", "1 or 0: run the operator and receiver processes with the server or workstation collector")],
        Notes = "Exit codes: 0 measured, 2 an unknown benchmark or option, 130 stopped by Ctrl+C.",
    };

    // Only the first argument is answered here: "zip --help" is the zip benchmark's own.
    public static Task<int> Main(string[] args) => ProgramStart.RunAsync(Info, args.Take(1).ToList(), () => RunAsync(args));

    private static async Task<int> RunAsync(string[] args)
    {
        if (args is [] or ["help"])
        {
            Console.WriteLine(Usage());
            return args.Length == 0 ? 2 : 0;
        }

        var benchmark = Benchmarks.FirstOrDefault(b => b.Name == args[0]);
        if (benchmark is null)
        {
            await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'\n\n{Usage()}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args[1..]);
            options.RejectUnknown(benchmark.Options);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{benchmark.Name}: {e.Message}\n\n{benchmark.Usage}");
            return 2;
        }

        var report = new Report(Console.Out);
        report.Title($"{benchmark.Name}: {benchmark.Summary}");
        report.Machine(MachineInfo.Read());
        try
        {
            await benchmark.RunAsync(options, report, stop.Token);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{benchmark.Name}: {e.Message}\n\n{benchmark.Usage}");
            return 2;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("stopped");
            return 130;
        }

        return 0;
    }

    private static string Usage() =>
        "usage: dotnet run -c Release --project tests/LoraTrainer.Benchmarks -- <benchmark> [options]\n\nbenchmarks:\n" +
        string.Join("\n", Benchmarks.Select(b => $"  {b.Name,-10} {b.Summary}")) +
        "\n\n" + string.Join("\n\n", Benchmarks.Select(b => b.Usage));
}
