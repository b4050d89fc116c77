using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Datasets;
using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Gpu;
using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.States;
using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent;

/// <summary>Registers the agent.</summary>
internal static class AgentServiceCollectionExtensions
{
    /// <summary>Adds every agent service, its options (validated at start) and its two HTTP clients.</summary>
    public static IServiceCollection AddAgent(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<AgentOptions>()
            .BindConfiguration(AgentOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                options.RunUrl = configuration[AgentEnvironment.RunUrl] ?? options.RunUrl;
                options.RunToken = configuration[AgentEnvironment.RunToken] ?? options.RunToken;
                options.ContainerId = configuration[VastSelfDestruct.ContainerIdVariable] ?? options.ContainerId;
                options.ContainerApiKey = configuration[VastSelfDestruct.ContainerApiKeyVariable] ?? options.ContainerApiKey;
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SecretScrubber>();
        services.TryAddSingleton<ReceiverUrls>();
        services.TryAddSingleton<WorkLayout>();
        services.TryAddSingleton<ConfigClient>();
        services.TryAddSingleton<RunFinish>();
        services.TryAddSingleton<EventReporter>();
        services.TryAddSingleton<GpuProbe>();
        services.TryAddSingleton<ResumableDownloader>();
        services.TryAddSingleton<DatasetPreparer>();
        services.TryAddSingleton<ModelDownloads>();
        services.TryAddSingleton<TrainerProcess>();
        services.TryAddSingleton<TrainingStage>();
        services.TryAddSingleton<PresignedPut>();
        services.TryAddSingleton<PresignedUploader>();
        services.TryAddSingleton<MultipartUploader>();
        services.TryAddSingleton<ModelCacheFills>();
        services.TryAddSingleton<EpochUploads>();
        services.TryAddSingleton<StateUploads>();
        services.TryAddSingleton<StateRestore>();
        services.TryAddSingleton<Training.Samples.SampleUploads>();
        services.TryAddSingleton<ResultUpload>();
        services.TryAddSingleton<AgentRun>();
        services.TryAddTransient<RequestSigningHandler>();
        services.AddWatchdog();

        // The default HttpClient logging writes request URLs; presigned URLs are secrets, so it is removed.
        services.AddHttpClient(ReceiverUrls.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(60))
            .AddHttpMessageHandler<RequestSigningHandler>()
            .RemoveAllLoggers();
        services.AddHttpClient(ResumableDownloader.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        return services;
    }
}
