using k8s;
using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Models;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Operator.Vast;

namespace LoraTrainer.Operator.Hosting;

/// <summary>Registers the whole operator.</summary>
public static class OperatorServiceCollectionExtensions
{
    /// <summary>The controller runtime, the providers (Vast, S3, Civitai) and the TrainingRun controller.</summary>
    public static IServiceCollection AddOperator(this IServiceCollection services, IConfiguration configuration, Func<KubernetesClientConfiguration> cluster)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddControllerRuntime(cluster);
        services.AddVast(configuration);
        services.AddStorage();
        services.AddDatasets();
        services.AddModels();
        services.AddModelCache();
        services.AddTrainingRuns();

        // One cluster name labels instances: Vast:ClusterName when set, else Operator:ClusterName.
        services.PostConfigure<VastOptions>(vast =>
        {
            if (string.IsNullOrWhiteSpace(vast.ClusterName))
            {
                vast.ClusterName = configuration[$"{OperatorOptions.Section}:{nameof(OperatorOptions.ClusterName)}"] ?? new OperatorOptions().ClusterName;
            }
        });
        return services;
    }
}
