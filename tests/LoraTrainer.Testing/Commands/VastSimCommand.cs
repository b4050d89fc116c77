using System.Globalization;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Testing.Commands;

/// <summary><c>vast-sim</c>: runs the Vast.ai simulator with a few offers until Ctrl+C.</summary>
internal sealed class VastSimCommand : ITestKitCommand
{
    public string Name => "vast-sim";

    public string Summary => "serve the Vast.ai simulator with a few GPU offers";

    public string Usage => """
        usage: LoraTrainer.Testing vast-sim [--port 8081] [--api-key KEY] [--immediate]
          --port       port on 127.0.0.1 (0 picks a free one; default 8081)
          --api-key    the account key to accept (default: the simulator's fixed test key)
          --immediate  instances run as soon as they are created (default: about 40 s of provisioning and image pull)
        """;

    public async Task<int> RunAsync(CommandArguments arguments, TextWriter output, CancellationToken stop)
    {
        arguments.RejectUnknown("port", "api-key", "immediate");
        var defaults = new VastSimulatorOptions();
        var options = new VastSimulatorOptions
        {
            Port = arguments.GetPort("port", 8081),
            ApiKey = arguments.Get("api-key") is { Length: > 0 } key ? key : defaults.ApiKey,
            Lifecycle = arguments.Get("immediate") == "true" ? VastLifecycle.Immediate : defaults.Lifecycle,
        };
        await using var simulator = await VastSimulator.StartAsync(options, stop);
        simulator.AddOffers(VastDemoMarket.Offers);

        await output.WriteLineAsync($"Vast.ai simulator listening on {simulator.BaseUrl}");
        await output.WriteLineAsync($"API key: {simulator.ApiKey}");
        await output.WriteLineAsync("offers:");
        foreach (var offer in VastDemoMarket.Offers)
        {
            await output.WriteLineAsync("  " + VastDemoMarket.Describe(offer));
        }

        await output.WriteLineAsync($"operator settings: Vast__BaseUrl={simulator.BaseUrl} Vast__ApiKey={simulator.ApiKey}");
        await output.WriteLineAsync("press Ctrl+C to stop");
        await StopSignal.WaitAsync(stop);

        var cost = simulator.Cost();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"billed ${cost.Dollars:0.0000} for {cost.Instances.Count} instance(s), {cost.AliveInstances} still alive"));
        return 0;
    }
}
