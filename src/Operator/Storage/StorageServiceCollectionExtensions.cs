using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the S3 store.</summary>
internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="S3Options"/> (section <c>S3</c>, validated at start-up), the <see cref="IObjectStoreFactory"/>
    /// the <see cref="ArtifactPresigner"/> and <see cref="PresignedMultipart"/>.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<S3Options>()
            .BindConfiguration(S3Options.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<S3Options>, S3OptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IObjectStoreFactory, S3ObjectStoreFactory>();
        services.TryAddSingleton<ArtifactPresigner>();
        services.TryAddSingleton<PresignedMultipart>();
        return services;
    }
}
