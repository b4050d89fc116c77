using k8s;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Dashboard.Files;
using LoraTrainer.Dashboard.Runs;
using LoraTrainer.Dashboard.Viewers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard;

/// <summary>Registers the dashboard.</summary>
internal static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// Adds the dashboard's services: its options (section <c>Dashboard</c>) and the S3 store (section <c>S3</c>), both
    /// validated at start-up; the watches that keep the view of runs current; who-is-asking and may-they-see. The
    /// Kubernetes client comes from <c>Dashboard:Kubeconfig</c>, $KUBECONFIG or the pod's service account.
    /// </summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DashboardOptions>, DashboardOptionsAttributeValidator>());
        services.AddObjectStores();
        services.AddMemoryCache();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(sp => new k8s.Kubernetes(KubernetesConnection.LoadConfiguration(sp.GetRequiredService<IOptions<DashboardOptions>>().Value.Kubeconfig)));
        services.TryAddSingleton<CustomResourceClient<TrainingRun>>();
        services.TryAddSingleton<RunView>();
        services.TryAddSingleton<ViewerIdentity>();
        services.TryAddSingleton<AccessReview>();
        services.TryAddSingleton<RunFiles>();
        services.AddHostedService<RunWatcher>();
        return services;
    }
}
