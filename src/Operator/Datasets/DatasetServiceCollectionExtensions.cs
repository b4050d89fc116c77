using LoraTrainer.Operator.Datasets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the dataset stage.</summary>
internal static class DatasetServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="DatasetOptions"/> (section <c>Datasets</c>, validated at start-up), the <see cref="DatasetPreflight"/>
    /// and the <see cref="DatasetZipper"/>, plus the S3 store they use (<see cref="StorageServiceCollectionExtensions.AddStorage"/>).
    /// </summary>
    public static IServiceCollection AddDatasets(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddStorage();
        services.AddOptions<DatasetOptions>()
            .BindConfiguration(DatasetOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatasetOptions>, DatasetOptionsAttributeValidator>());
        services.TryAddSingleton<DatasetPreflight>();
        services.TryAddSingleton<DatasetZipper>();
        return services;
    }
}
