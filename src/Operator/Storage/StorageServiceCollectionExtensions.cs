using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the S3 store.</summary>
internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="LoraTrainer.Storage.S3Options"/> (section <c>S3</c>, validated at start-up), the
    /// <see cref="LoraTrainer.Storage.IObjectStoreFactory"/>, the <see cref="ArtifactPresigner"/> and <see cref="PresignedMultipart"/>.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddObjectStores();
        services.TryAddSingleton<ArtifactPresigner>();
        services.TryAddSingleton<PresignedMultipart>();
        return services;
    }
}
