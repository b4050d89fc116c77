using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Vast.Sweeping;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Registers the TrainingRun controller.</summary>
public static class TrainingRunsServiceCollectionExtensions
{
    /// <summary>Adds the TrainingRun reconciler, its collaborators and its controller; needs the runtime, Vast, storage, datasets and models.</summary>
    public static IServiceCollection AddTrainingRuns(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<OperatorOptions>().BindConfiguration(OperatorOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OperatorOptions>, OperatorOptionsAttributeValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OperatorOptions>, OperatorOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OperatorOptions>, PresignRefreshValidator>());
        services.TryAddSingleton(sp => new ResourceWriter<TrainingRun, TrainingRunStatus>(
            sp.GetRequiredService<CustomResourceClient<TrainingRun>>(), GpuStatus.BillingInstants));
        services.TryAddSingleton<RunSecretStore>();
        services.TryAddSingleton<RunCredentialResolver>();
        services.TryAddSingleton<UrlModelFiles>();
        services.TryAddSingleton<RunStates>();
        services.TryAddSingleton<RunPreparation>();
        services.TryAddSingleton<GpuLease>();
        services.TryAddSingleton<RunSupervisor>();
        services.TryAddSingleton<EpochSelection>();
        services.TryAddSingleton<RunLeftovers>();
        services.TryAddSingleton<IInstanceClaims, TrainingRunClaims>();
        services.AddController<TrainingRun, TrainingRunReconciler>("trainingruns",
            sp => new ControllerOptions { Workers = sp.GetRequiredService<IOptions<OperatorOptions>>().Value.Workers },
            sp => new InformerOptions { Namespace = NullIfEmpty(sp.GetRequiredService<IOptions<OperatorOptions>>().Value.WatchNamespace) });
        return services;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
