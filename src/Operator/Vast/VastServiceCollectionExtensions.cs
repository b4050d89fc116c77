using LoraTrainer.Operator.Vast.Api;
using LoraTrainer.Operator.Vast.Credentials;
using LoraTrainer.Operator.Vast.Http;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Operator.Vast.Sweeping;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Refit;

namespace LoraTrainer.Operator.Vast;

/// <summary>Registers the Vast.ai provider.</summary>
internal static class VastServiceCollectionExtensions
{
    /// <summary>Adds the Vast client, offer selection, <see cref="VastProvider"/> and the orphan sweep, configured from the <c>Vast</c> section.</summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The configuration holding the <c>Vast</c> section; the host's configuration when null.</param>
    /// <remarks>
    /// The orphan sweep needs an <see cref="IInstanceClaims"/>, which the TrainingRun reconciler registers;
    /// without one the host fails at start-up rather than sweeping blind.
    /// </remarks>
    public static IServiceCollection AddVast(this IServiceCollection services, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(VastProvider)))
        {
            return services;
        }

        var options = services.AddOptions<VastOptions>();
        if (configuration is null)
        {
            options.BindConfiguration(VastOptions.SectionName);
        }
        else
        {
            options.Bind(configuration.GetSection(VastOptions.SectionName));
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VastOptions>, VastOptionsAttributeValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VastOptions>, VastOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IVastApiKeyProvider, ConfiguredVastApiKeyProvider>();
        services.TryAddSingleton<VastPacer>();
        services.TryAddTransient<VastAuthHandler>();
        services.TryAddTransient<VastRequestLogger>();

        var client = services.AddRefitGeneratedClient<IVastApi>(_ => VastJson.CreateRefitSettings())
            .ConfigureHttpClient((provider, http) =>
            {
                http.BaseAddress = provider.GetRequiredService<IOptions<VastOptions>>().Value.BaseUrl;
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
            })
            // The client lives in singletons: recycle connections in the handler instead of recycling handlers.
            .UseSocketsHttpHandler((handler, _) => handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The default request logging keeps raw header values (the bearer key) in its structured state.
            .RemoveAllLoggers();

        // Outermost first: timeouts, retries and pacing wrap every attempt, and each attempt is authenticated anew.
        client.AddResilienceHandler(VastResilience.PipelineName, VastResilience.Configure);
        client.AddHttpMessageHandler<VastRequestLogger>();
        client.AddHttpMessageHandler<VastAuthHandler>();

        services.TryAddSingleton<VastClient>();
        services.TryAddSingleton<Offers.SharedOfferSearches>();
        services.TryAddSingleton<VastProvider>();
        services.TryAddSingleton<InstanceStates>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, VastOrphanSweeper>());
        return services;
    }
}
