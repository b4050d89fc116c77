using System.Net;
using LoraTrainer.Operator.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Refit;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Civitai model resolution.</summary>
internal static class ModelsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="CivitaiOptions"/> (section <c>Civitai</c>, validated at start-up), the Refit <see cref="ICivitaiApi"/>,
    /// the <see cref="CivitaiDownloadLinker"/> and the <see cref="CivitaiModelResolver"/>. Both HTTP clients retry 429,
    /// 5xx and network failures with the standard resilience handler, never follow redirects (the linker reads them),
    /// and have no HTTP request loggers, which would carry the key; <see cref="ModelsLog"/> says what happened instead.
    /// </summary>
    public static IServiceCollection AddModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CivitaiOptions>()
            .BindConfiguration(CivitaiOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddRefitGeneratedClient<ICivitaiApi>(CivitaiJsonContext.Default)
            .ConfigureHttpClient((sp, http) => http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<CivitaiOptions>>().Value.BaseUrl))
            .ConfigureCivitaiHandlers();
        services.AddHttpClient<CivitaiDownloadLinker>()
            .ConfigureCivitaiHandlers();
        services.TryAddSingleton<CivitaiModelResolver>();
        return services;
    }

    private static IHttpClientBuilder ConfigureCivitaiHandlers(this IHttpClientBuilder builder)
    {
        builder.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.All,
        });
        // The default HTTP client loggers redact header values in the message text but still pass the raw
        // Authorization header in the log state, where structured sinks would write it out: remove them.
        builder.RemoveAllLoggers();
        builder.AddStandardResilienceHandler().Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
        {
            var civitai = sp.GetRequiredService<IOptions<CivitaiOptions>>().Value;
            resilience.Retry.MaxRetryAttempts = Math.Max(civitai.MaxRetries, 1);
            resilience.Retry.Delay = civitai.RetryDelay;
            resilience.Retry.ShouldHandle = civitai.MaxRetries == 0
                ? _ => ValueTask.FromResult(false)
                : resilience.Retry.ShouldHandle;
            resilience.AttemptTimeout.Timeout = civitai.AttemptTimeout;
            resilience.TotalRequestTimeout.Timeout = civitai.AttemptTimeout * (civitai.MaxRetries + 2);
            resilience.CircuitBreaker.SamplingDuration = civitai.AttemptTimeout * 2;
        });
        return builder;
    }
}
