using LoraTrainer.Api;
using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Operator.Vast.Offers;
using LoraTrainer.Testing.Vast;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

/// <summary>A simulator plus the operator's Vast services configured against it, with fast timings and captured logs.</summary>
internal sealed class VastHarness : IAsyncDisposable
{
    public const string SecretName = "loratrainer-system/vast-api-key";
    public const string RunToken = "rUn-T0ken-for-signing-events-0123456789abc";

    private VastHarness(VastSimulator simulator, ServiceProvider services)
    {
        Simulator = simulator;
        Services = services;
    }

    public VastSimulator Simulator { get; }

    public ServiceProvider Services { get; }

    public VastProvider Provider => Services.GetRequiredService<VastProvider>();

    public FakeLogCollector Logs => Services.GetRequiredService<FakeLogCollector>();

    /// <summary>Starts a simulator (instant lifecycles unless given options) and the services, with every delay tiny and pacing off.</summary>
    public static async Task<VastHarness> StartAsync(
        VastSimulatorOptions? simulatorOptions = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var simulator = await VastSimulator.StartAsync(simulatorOptions ?? new() { Lifecycle = VastLifecycle.Immediate }, TestContext.Current.CancellationToken);
        var configuration = new Dictionary<string, string?>
        {
            ["Vast:BaseUrl"] = simulator.BaseUrl.ToString(),
            ["Vast:ApiKey"] = simulator.ApiKey,
            ["Vast:ApiKeySecret"] = SecretName,
            ["Vast:ClusterName"] = "test",
            ["Vast:AttemptTimeout"] = "00:00:02",
            ["Vast:TotalTimeout"] = "00:00:20",
            ["Vast:RetryBaseDelay"] = "00:00:00.005",
            ["Vast:RetryMaxDelay"] = "00:00:00.020",
            ["Vast:CreateLookupDelay"] = "00:00:00.005",
            ["Vast:DestroyConfirmDelay"] = "00:00:00.005",
            // Tests change the market between searches; the ones about shared searches set a window.
            ["Vast:SearchShareWindow"] = "00:00:00",
            ["Vast:Pacing:Search"] = "00:00:00",
            ["Vast:Pacing:Create"] = "00:00:00",
            ["Vast:Pacing:Show"] = "00:00:00",
            ["Vast:Pacing:Label"] = "00:00:00",
            ["Vast:Pacing:List"] = "00:00:00",
            ["Vast:Pacing:Destroy"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddFakeLogging());
        collection.AddVast(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        services?.Invoke(collection);
        return new VastHarness(simulator, collection.BuildServiceProvider(validateScopes: true));
    }

    /// <summary>The requirements of a plain SDXL run on RTX 4090s up to the given price.</summary>
    public static OfferRequirements Requirements(double maxPrice = 1.0, params string[] gpus) =>
        OfferRequirements.For(new GpuSpec { GpuNames = gpus.Length == 0 ? ["RTX 4090"] : [.. gpus], MaxPricePerHour = maxPrice }, ModelFamily.Sdxl);

    /// <summary>A request for attempt <paramref name="attempt"/> of run <paramref name="uid"/>.</summary>
    public static InstanceRequest Request(string uid = "3f1c9e2a-run", int attempt = 1) => new()
    {
        Image = "ghcr.io/acme/lora-trainer-gpu:1.2.0",
        DiskGb = 60,
        Label = new VastInstanceLabel("test", uid, attempt),
        RunUrl = new Uri("https://hooks.example.com/v1/runs/ml-team/portrait-sdxl"),
        RunToken = RunToken,
    };

    /// <summary>Every logged text: messages, exceptions and structured values.</summary>
    public IEnumerable<string> LoggedText() => Logs.GetSnapshot().SelectMany(record =>
        new[] { record.Message, record.Exception?.ToString() ?? "" }
            .Concat(record.StructuredState?.Select(pair => $"{pair.Key}={pair.Value}") ?? []));

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
