using k8s.Models;
using k8s;
using LoraTrainer.Cluster;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Runtime;

/// <summary>Registers the controller runtime and controllers.</summary>
public static class RuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Kubernetes client, leader election, the controller manager, events, metrics and health checks.
    /// <paramref name="configure"/> supplies the client configuration (kubeconfig or in-cluster).
    /// </summary>
    public static IServiceCollection AddControllerRuntime(this IServiceCollection services, Func<KubernetesClientConfiguration> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(sp => new Kubernetes(configure(), new ApiRequestMetricsHandler(sp.GetRequiredService<RuntimeMetrics>())));
        services.TryAddSingleton<RuntimeMetrics>();
        services.TryAddSingleton(sp => new EventRecorder(sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EventRecorder>>()));
        services.AddOptions<LeaderElectionOptions>().BindConfiguration("Operator:LeaderElection").ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ILeadershipLossHandler, ExitOnLeadershipLoss>();
        services.TryAddSingleton<ControllerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerManager>());
        services.AddHealthChecks()
            .AddCheck<ControllerReadiness>("controllers", tags: ["ready"]);
        return services;
    }

    /// <summary>Adds a controller for <typeparamref name="TResource"/> reconciled by <typeparamref name="TReconciler"/>.</summary>
    public static IServiceCollection AddController<TResource, TReconciler>(this IServiceCollection services, string name, ControllerOptions? controllerOptions = null, InformerOptions? informerOptions = null)
        where TResource : class, IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler<TResource>
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<CustomResourceClient<TResource>>();
        services.TryAddSingleton(informerOptions ?? new InformerOptions());
        services.TryAddSingleton(controllerOptions ?? new ControllerOptions());
        services.TryAddSingleton<Informer<TResource>>();
        services.TryAddSingleton<IReconciler<TResource>, TReconciler>();
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<Controller<TResource>>(sp, name));
        services.AddSingleton<IRunnable>(sp => sp.GetRequiredService<Controller<TResource>>());
        return services;
    }
}

/// <summary>Readiness: ready when standing by, or when leading with every informer synced.</summary>
internal sealed class ControllerReadiness(ControllerManager manager) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(manager.IsReady
            ? HealthCheckResult.Healthy(manager.IsLeading ? "leading" : "standing by")
            : HealthCheckResult.Unhealthy("waiting for " + string.Join(", ", manager.NotReady)));
}
