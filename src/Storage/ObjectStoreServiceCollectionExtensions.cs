using LoraTrainer.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the S3 store.</summary>
internal static class ObjectStoreServiceCollectionExtensions
{
    /// <summary>Adds <see cref="S3Options"/> (section <c>S3</c>, validated at start-up) and the <see cref="IObjectStoreFactory"/>.</summary>
    public static IServiceCollection AddObjectStores(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<S3Options>()
            .BindConfiguration(S3Options.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3Options>, S3OptionsAttributeValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3Options>, S3OptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IObjectStoreFactory, S3ObjectStoreFactory>();
        return services;
    }
}
