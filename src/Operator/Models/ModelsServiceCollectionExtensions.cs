using System.Net;
using LoraTrainer.Operator.Models;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Refit;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers model resolution: Civitai model versions and token-protected model URLs.</summary>
internal static class ModelsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="CivitaiOptions"/> (section <c>Civitai</c>, validated at start-up), the Refit <see cref="ICivitaiApi"/>,
    /// the <see cref="CivitaiDownloadLinker"/>, the <see cref="CivitaiModelResolver"/> and the <see cref="ModelFileLinker"/> for
    /// token-protected model URLs. Every HTTP client retries 429, 5xx and network failures with the standard resilience
    /// handler (with the Civitai section's retry settings), never follows redirects (the linkers read them),
    /// and have no HTTP request loggers, which would carry the key; <see cref="ModelsLog"/> says what happened instead.
    /// </summary>
    public static IServiceCollection AddModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CivitaiOptions>()
            .BindConfiguration(CivitaiOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CivitaiOptions>, CivitaiOptionsAttributeValidator>());

        services.AddRefitGeneratedClient<ICivitaiApi>(CivitaiJsonContext.Default)
            .ConfigureHttpClient((sp, http) => http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<CivitaiOptions>>().Value.BaseUrl))
            .ConfigureModelHostHandlers();
        services.AddHttpClient<CivitaiDownloadLinker>()
            .ConfigureModelHostHandlers();
        services.AddHttpClient<ModelFileLinker>()
            .ConfigureModelHostHandlers();
        services.TryAddSingleton<CivitaiModelResolver>();
        return services;
    }

    private static IHttpClientBuilder ConfigureModelHostHandlers(this IHttpClientBuilder builder)
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
