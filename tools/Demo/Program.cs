using LoraTrainer.Demo;

// lora-demo [output folder]: the whole LoraTrainer system on this machine, GPU and clouds simulated (--help says more).
var commandLine = DemoCommandLine.Parse(args);
if (commandLine.Help || commandLine.Version)
{
    Console.WriteLine(commandLine.Help ? DemoCommandLine.Usage : $"lora-demo {DemoCommandLine.VersionText()}");
    return 0;
}

if (commandLine.Error is { } error)
{
    Console.Error.WriteLine($"lora-demo: {error}");
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

// Waiting for Ctrl+C needs someone at a terminal to press it; CI, pipes and files get the exit they always had.
var interactive = !Console.IsOutputRedirected && !Console.IsInputRedirected;
var settings = new DemoSettings { Terminal = !Console.IsOutputRedirected, StayUp = interactive && !commandLine.NoWait };
return await new DemoRun(Console.Out, settings).RunAsync(commandLine.OutputDirectory, stop.Token);
