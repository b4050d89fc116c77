using LoraTrainer.Demo;

// lora-demo [output folder]: the whole LoraTrainer system on this machine, GPU and clouds simulated.
// Needs the .NET SDK, Python 3, kubectl, and node with npm (s3rver is installed into the repository on first use).
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var outputDirectory = args.Length > 0 ? args[0] : "loratrainer-demo-output";
return await new DemoRun(Console.Out).RunAsync(outputDirectory, stop.Token);
