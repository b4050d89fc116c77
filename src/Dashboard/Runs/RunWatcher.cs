using k8s;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;

namespace LoraTrainer.Dashboard.Runs;

/// <summary>
/// Keeps <see cref="RunView"/> current with two watches across all namespaces, TrainingRuns and their Events: LIST,
/// then WATCH from the list's resourceVersion; a watch that ends resumes where it was, 410 Gone lists again, other
/// errors list again after a back-off.
/// </summary>
internal sealed class RunWatcher(IKubernetes kubernetes, CustomResourceClient<TrainingRun> runs, RunView view, TimeProvider time, ILogger<RunWatcher> logger)
    : BackgroundService
{
    private const string EventSelector = "involvedObject.kind=" + TrainingRun.KindName;
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromMinutes(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        KeepWatchingAsync(TrainingRun.Plural, ListRunsAsync, WatchRunsAsync, stoppingToken),
        KeepWatchingAsync("events", ListEventsAsync, WatchEventsAsync, stoppingToken));

    private async Task<string> ListRunsAsync(CancellationToken cancellationToken)
    {
        var (items, resourceVersion) = await runs.ListAsync(null, cancellationToken);
        view.ReplaceRuns(items);
        return resourceVersion;
    }

    private async Task<string> WatchRunsAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        await foreach (var (type, run) in runs.WatchAsync(null, resourceVersion, (int)WatchTimeout.TotalSeconds, cancellationToken))
        {
            resourceVersion = run.Metadata.ResourceVersion ?? resourceVersion;
            switch (type)
            {
                case WatchEventType.Added or WatchEventType.Modified:
                    view.PutRun(run);
                    break;
                case WatchEventType.Deleted:
                    view.RemoveRun(ResourceKey.Of(run));
                    break;
            }
        }

        return resourceVersion;
    }

    private async Task<string> ListEventsAsync(CancellationToken cancellationToken)
    {
        var list = await kubernetes.CoreV1.ListEventForAllNamespacesAsync(fieldSelector: EventSelector, cancellationToken: cancellationToken);
        view.ReplaceEvents([.. list.Items]);
        return list.Metadata.ResourceVersion;
    }

    private async Task<string> WatchEventsAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var stream = KubernetesWatch.StreamAsync(kubernetes, "api/v1/events", resourceVersion, (int)WatchTimeout.TotalSeconds, EventSelector, "watch events", cancellationToken);
        await foreach (var (type, item) in stream)
        {
            var e = ClusterJson.Deserialize<Corev1Event>(item);
            resourceVersion = e.Metadata?.ResourceVersion ?? resourceVersion;
            if (type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted && e.InvolvedObject?.Name is not null)
            {
                view.PutEvent(e, type == WatchEventType.Deleted);
            }
        }

        return resourceVersion;
    }

    private async Task KeepWatchingAsync(string what, Func<CancellationToken, Task<string>> list, Func<string, CancellationToken, Task<string>> watch, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await list(cancellationToken);
                DashboardLog.Listed(logger, what, resourceVersion);
                failures = 0;
                while (!cancellationToken.IsCancellationRequested)
                {
                    resourceVersion = await watch(resourceVersion, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (Gone(ex))
            {
                DashboardLog.WatchGone(logger, what);
            }
            catch (Exception ex)
            {
                failures++;
                DashboardLog.WatchFailed(logger, what, failures, ex.Message);
                var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, failures - 1)));
                try
                {
                    await Task.Delay(delay, time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static bool Gone(Exception ex) => ex switch
    {
        ResourceVersionGoneException => true,
        KubernetesException k => k.Status?.Code == 410,
        k8s.Autorest.HttpOperationException http => http.Response?.StatusCode == System.Net.HttpStatusCode.Gone,
        _ => ex.InnerException is not null && Gone(ex.InnerException),
    };
}
