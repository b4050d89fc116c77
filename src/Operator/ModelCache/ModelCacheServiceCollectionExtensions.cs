using LoraTrainer.Operator.ModelCache;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the model cache.</summary>
internal static class ModelCacheServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ModelCacheOptions"/> (section <c>ModelCache</c>, validated at start-up), the <see cref="ModelFileCache"/>
    /// and the <see cref="ModelCacheUploadSweeper"/>.
    /// </summary>
    public static IServiceCollection AddModelCache(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ModelCacheOptions>()
            .BindConfiguration(ModelCacheOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelCacheOptions>, ModelCacheOptionsAttributeValidator>());
        services.TryAddSingleton<ModelFileCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ModelCacheUploadSweeper>());
        return services;
    }
}
