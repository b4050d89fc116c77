using LoraTrainer.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests;

/// <summary>The agent's real service graph, configured for tests: fast retries, a temp work folder.</summary>
internal static class AgentServices
{
    public static Dictionary<string, string?> Settings(string workDirectory, string runUrl, string token) => new()
    {
        [AgentEnvironment.RunUrl] = runUrl,
        [AgentEnvironment.RunToken] = token,
        ["Agent:WorkDirectory"] = workDirectory,
        ["Agent:RetryBaseDelay"] = "00:00:00.010",
        ["Agent:RetryMaxDelay"] = "00:00:00.050",
        ["Agent:TransferAttempts"] = "4",
        ["Agent:ConfigTimeout"] = "00:00:05",
        ["Agent:DeliveryTimeout"] = "00:00:10",
        ["Agent:GpuProbeCommand"] = "lora-agent-tests-no-nvidia-smi",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public static ServiceProvider Create(string workDirectory, string runUrl = "http://127.0.0.1:9/v1/runs/ml-team/portrait-anna",
        string token = "dGhpcy1pcy1hLXRlc3QtdG9rZW4tb2YtMzItYnl0ZXM", IDictionary<string, string?>? overrides = null, TimeProvider? time = null)
    {
        var settings = Settings(workDirectory, runUrl, token);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        return services.AddAgent().BuildServiceProvider();
    }
}
