using LoraTrainer.Agent.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace LoraTrainer.Agent.Watchdog;

/// <summary>Registers the self-destruct watchdog.</summary>
internal static class WatchdogServiceCollectionExtensions
{
    /// <summary>Adds the watchdog as a hosted service, its ledger, the salvage upload and the Vast client it destroys with.</summary>
    /// <remarks>Expects <see cref="AgentOptions"/>, the uploader and the work layout from <c>AddAgent</c>.</remarks>
    public static IServiceCollection AddWatchdog(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WatchdogLedger>();
        services.TryAddSingleton<RunStop>();
        services.TryAddSingleton<BestEpochSalvage>();
        services.TryAddSingleton<VastSelfDestruct>();
        services.TryAddSingleton<SelfDestructWatchdog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, SelfDestructWatchdog>(provider => provider.GetRequiredService<SelfDestructWatchdog>()));

        // The default HttpClient logging writes request URLs and would sit next to the key's header; it is removed.
        services.AddHttpClient(VastSelfDestruct.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(30))
            .RemoveAllLoggers();
        return services;
    }
}
