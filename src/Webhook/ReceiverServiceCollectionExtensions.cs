using System.Threading.RateLimiting;
using k8s;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Webhook.Events;
using LoraTrainer.Webhook.Health;
using LoraTrainer.Webhook.Runs;
using LoraTrainer.Webhook.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;

namespace LoraTrainer.Webhook;

/// <summary>Registers the receiver.</summary>
public static class ReceiverServiceCollectionExtensions
{
    /// <summary>The tag of the health checks <c>/readyz</c> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Adds the receiver's services; the Kubernetes client comes from <c>Receiver:Kubeconfig</c>, $KUBECONFIG or the pod's
    /// service account, metrics go to the process's default Prometheus registry unless a <see cref="CollectorRegistry"/>
    /// is registered first.
    /// </summary>
    public static IServiceCollection AddWebhookReceiver(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ReceiverOptions>().BindConfiguration(ReceiverOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReceiverOptions>, ReceiverOptionsValidator>());
        services.AddReceiverJson();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(sp => new k8s.Kubernetes(KubernetesConnection.LoadConfiguration(sp.GetRequiredService<IOptions<ReceiverOptions>>().Value.Kubeconfig)));
        services.TryAddSingleton(Metrics.DefaultRegistry);
        services.TryAddSingleton<CustomResourceClient<TrainingRun>>();
        services.TryAddSingleton<RunSecretReader>();
        services.TryAddSingleton<RunStatusUpdater>();
        services.TryAddSingleton<EventProcessor>();
        services.TryAddSingleton<ReceiverMetrics>();
        services.TryAddSingleton<KubernetesReadinessCheck>();
        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<ReceiverOptions>>().Value;
            return PartitionedRateLimiter.Create<string, string>(run => RateLimitPartition.GetTokenBucketLimiter(run, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.EventBurstPerRun,
                TokensPerPeriod = settings.EventsPerSecondPerRun,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                AutoReplenishment = true,
                QueueLimit = 0,
            }));
        });
        services.AddClientRateLimiting();
        services.AddHostedService<PendingWritesFlusher>();
        services.AddHealthChecks().AddCheck<KubernetesReadinessCheck>("kubernetes", tags: [ReadyTag]);
        return services;
    }
}

/// <summary>Writes coalesced progress before the process exits, so a rolling restart loses no values.</summary>
internal sealed class PendingWritesFlusher(RunStatusUpdater updater) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => updater.FlushAllAsync(cancellationToken);
}
