using System.Collections.Concurrent;
using k8s.Models;
using k8s;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Keeps a local cache of every object of one type: LIST, then WATCH from the list's resourceVersion, tracking
/// the resourceVersion of every event. A watch that ends normally is resumed; 410 Gone re-lists and emits
/// deletes for objects that vanished meanwhile; other errors back off with jitter; a watchdog restarts a watch
/// that has gone silent. Every change is reported through <see cref="Changed"/>.
/// </summary>
public sealed class Informer<TResource>(
    CustomResourceClient<TResource> client,
    InformerOptions options,
    TimeProvider time,
    RuntimeMetrics metrics,
    ILogger<Informer<TResource>> logger)
    where TResource : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<ResourceKey, TResource> _cache = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _kind = CustomResourceClient<TResource>.Plural;

    /// <summary>Raised for every added, changed or deleted object, after the cache is updated.</summary>
    public event Action<ResourceKey>? Changed;

    /// <summary>Whether the first LIST has completed.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>Completes when the first LIST has completed.</summary>
    public Task Synced => _synced.Task;

    /// <summary>The cached object, or null.</summary>
    public TResource? Get(ResourceKey key) => _cache.GetValueOrDefault(key);

    /// <summary>Every cached object.</summary>
    public IReadOnlyCollection<TResource> List() => _cache.Values.ToList();

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
                await WatchUntilGoneAsync(resourceVersion, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                metrics.WatchRestarted(_kind, "list-error");
                RuntimeLog.ListFailed(logger, _kind, failures, ex.Message);
                await DelayAsync(Backoff(failures), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var (items, resourceVersion) = await client.ListAsync(options.Namespace, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<ResourceKey>();
        foreach (var item in items)
        {
            var key = ResourceKey.Of(item);
            seen.Add(key);
            Upsert(key, item);
        }

        foreach (var vanished in _cache.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            if (_cache.TryRemove(vanished, out _))
            {
                Changed?.Invoke(vanished);
            }
        }

        RuntimeLog.Listed(logger, _kind, items.Count, resourceVersion);
        _synced.TrySetResult();
        return resourceVersion;
    }

    /// <summary>Watches, resuming from the last resourceVersion, until the version is gone (then the caller re-lists).</summary>
    private async Task WatchUntilGoneAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        var failures = 0;
        var emptyEnds = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var timeout = options.MinWatchTimeout * (1 + Random.Shared.NextDouble());
            using var watchdog = new CancellationTokenSource(timeout + options.WatchdogSlack, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
            var delivered = false;
            try
            {
                await foreach (var (type, item) in client.WatchAsync(options.Namespace, resourceVersion, (int)timeout.TotalSeconds, linked.Token).ConfigureAwait(false))
                {
                    watchdog.CancelAfter(timeout + options.WatchdogSlack);
                    resourceVersion = item.Metadata?.ResourceVersion ?? resourceVersion;
                    Apply(type, item);
                    failures = 0;
                    delivered = true;
                }

                metrics.WatchRestarted(_kind, "closed");
                await PauseAfterEmptyEndsAsync(delivered, ref emptyEnds, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (watchdog.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                metrics.WatchRestarted(_kind, "watchdog");
                RuntimeLog.WatchSilent(logger, _kind, timeout + options.WatchdogSlack);
            }
            catch (Exception ex) when (IsGone(ex))
            {
                metrics.WatchRestarted(_kind, "gone");
                RuntimeLog.WatchGone(logger, _kind, resourceVersion);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsStreamEnd(ex))
            {
                metrics.WatchRestarted(_kind, "stream-end");
                await PauseAfterEmptyEndsAsync(delivered, ref emptyEnds, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures++;
                metrics.WatchRestarted(_kind, "error");
                RuntimeLog.WatchFailed(logger, _kind, failures, ex.Message);
                await DelayAsync(Backoff(failures), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A watch that ended (cleanly or by a reset) is resumed at once, unless the ones before it also ended without
    /// delivering anything: a server or proxy that keeps cutting watches off must not be hammered in a tight loop.
    /// </summary>
    private Task PauseAfterEmptyEndsAsync(bool delivered, ref int emptyEnds, CancellationToken cancellationToken)
    {
        emptyEnds = delivered ? 0 : emptyEnds + 1;
        return emptyEnds < 2 ? Task.CompletedTask : DelayAsync(Backoff(emptyEnds - 1), cancellationToken);
    }

    private void Apply(WatchEventType type, TResource item)
    {
        if (type == WatchEventType.Bookmark)
        {
            return;
        }

        var key = ResourceKey.Of(item);
        if (type == WatchEventType.Deleted)
        {
            if (_cache.TryRemove(key, out _))
            {
                Changed?.Invoke(key);
            }

            return;
        }

        Upsert(key, item);
    }

    private void Upsert(ResourceKey key, TResource item)
    {
        var changed = true;
        _cache.AddOrUpdate(key, item, (_, existing) =>
        {
            changed = existing.Metadata.ResourceVersion != item.Metadata.ResourceVersion;
            return item;
        });

        if (changed)
        {
            Changed?.Invoke(key);
        }
    }

    /// <summary>410 Gone, however it came: an ERROR event in the stream, or the status of the watch request itself.</summary>
    private static bool IsGone(Exception ex) => ex switch
    {
        ResourceVersionGoneException => true,
        KubernetesException k => k.Status?.Code == 410,
        k8s.Autorest.HttpOperationException http => http.Response?.StatusCode == System.Net.HttpStatusCode.Gone,
        _ => ex.InnerException is not null && IsGone(ex.InnerException),
    };

    private static bool IsStreamEnd(Exception ex) =>
        ex is EndOfStreamException || ex is IOException || (ex is HttpRequestException && ex.InnerException is EndOfStreamException or IOException);

    private TimeSpan Backoff(int failures)
    {
        var exponential = options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20));
        var capped = Math.Min(exponential, options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        Task.Delay(delay, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
}
