using System.Diagnostics.CodeAnalysis;
using k8s.Models;
using k8s;
using LoraTrainer.Cluster;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
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
        services.TryAddSingleton<IKubernetes>(sp => ApiRequestMetricsHandler.CreateClient(configure(), sp.GetRequiredService<RuntimeMetrics>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<RuntimeMetrics>();
        services.TryAddSingleton(sp => new EventRecorder(sp.GetRequiredService<IKubernetes>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EventRecorder>>()));
        services.AddOptions<LeaderElectionOptions>().BindConfiguration(LeaderElectionOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LeaderElectionOptions>, LeaderElectionOptionsValidator>());
        services.AddOptions<HostOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostOptions>, ShutdownGraceValidation>());
        services.TryAddSingleton<ILeadershipLossHandler, ExitOnLeadershipLoss>();
        services.TryAddSingleton<ControllerManager>();
        services.AddHostedService(sp => sp.GetRequiredService<ControllerManager>());
        services.AddHealthChecks()
            .AddCheck<ControllerReadiness>("controllers", tags: ["ready"]);
        return services;
    }

    /// <summary>
    /// Adds a controller for <typeparamref name="TResource"/> reconciled by <typeparamref name="TReconciler"/>, with its
    /// own options (each controller gets the ones given here, defaults otherwise); a second call for the same
    /// resource type is ignored.
    /// </summary>
    public static IServiceCollection AddController<TResource, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TReconciler>(this IServiceCollection services, string name,
        Func<IServiceProvider, ControllerOptions>? controllerOptions = null, Func<IServiceProvider, InformerOptions>? informerOptions = null)
        where TResource : class, IKubernetesObject<V1ObjectMeta>
        where TReconciler : class, IReconciler<TResource>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (services.Any(d => d.ServiceType == typeof(ControllerRegistration<TResource>)))
        {
            return services;
        }

        services.AddSingleton(sp => new ControllerRegistration<TResource>(
            name, controllerOptions?.Invoke(sp) ?? new ControllerOptions(), informerOptions?.Invoke(sp) ?? new InformerOptions()));
        services.AddSingleton<ControllerRegistration>(sp => sp.GetRequiredService<ControllerRegistration<TResource>>());
        services.TryAddSingleton<CustomResourceClient<TResource>>();
        services.TryAddSingleton(sp => new Informer<TResource>(
            sp.GetRequiredService<CustomResourceClient<TResource>>(), sp.GetRequiredService<ControllerRegistration<TResource>>().Informer,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RuntimeMetrics>(), sp.GetRequiredService<ILogger<Informer<TResource>>>()));
        services.TryAddSingleton<IReconciler<TResource>, TReconciler>();
        services.TryAddSingleton(sp =>
        {
            var registration = sp.GetRequiredService<ControllerRegistration<TResource>>();
            return new Controller<TResource>(registration.Name, sp.GetRequiredService<Informer<TResource>>(), sp.GetRequiredService<IReconciler<TResource>>(),
                registration.Controller, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RuntimeMetrics>(), sp.GetRequiredService<ILogger<Controller<TResource>>>());
        });
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
