using System.Globalization;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Cluster;
using LoraTrainer.Testing;

namespace LoraTrainer.Benchmarks.KubeFake;

/// <summary>The individual measurements of <see cref="KubeFakeBenchmark"/> against one seeded fake.</summary>
internal sealed class KubeFakeProbe(SeededCluster cluster)
{
    private static readonly TimeProvider Time = TimeProvider.System;
    private long _patches;

    /// <summary>Lets the JIT, the connection pool and Kestrel settle before anything is timed.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        await GetsAsync(4, TimeSpan.FromSeconds(1), null, cancellationToken);
        await PatchesAsync(4, TimeSpan.FromSeconds(1), null, cancellationToken);
        await ListAsync(2, cancellationToken);
    }

    public Task<LoadResult> GetsAsync(int concurrency, TimeSpan duration, LatencyRecorder? latencies, CancellationToken cancellationToken) =>
        LoadLoops.RunAsync(concurrency, duration, async (_, _, ct) =>
        {
            var key = cluster.Keys[Random.Shared.Next(cluster.Keys.Count)];
            _ = await cluster.Runs.GetAsync(key, ct) ?? throw new InvalidOperationException($"{key} vanished");
        }, latencies, cancellationToken);

    public Task<LoadResult> PatchesAsync(int concurrency, TimeSpan duration, LatencyRecorder? latencies, CancellationToken cancellationToken) =>
        LoadLoops.RunAsync(concurrency, duration, async (_, _, ct) =>
        {
            var n = Interlocked.Increment(ref _patches);
            var key = cluster.Keys[(int)(n % cluster.Keys.Count)];
            await cluster.Runs.PatchStatusAsync(key, MessagePatch.With($"patch {n}"), ct);
        }, latencies, cancellationToken);

    /// <summary>Lists every object <paramref name="times"/> times in a row, following continue tokens as the informer does.</summary>
    public Task<LoadResult> ListAsync(int times, CancellationToken cancellationToken) =>
        LoadResult.MeasureAsync(async () =>
        {
            for (var i = 0; i < times; i++)
            {
                var (items, _) = await cluster.Runs.ListAsync(SeededCluster.Namespace, cancellationToken);
                if (items.Count != cluster.Keys.Count)
                {
                    throw new InvalidOperationException($"LIST returned {items.Count} objects, {cluster.Keys.Count} expected");
                }
            }

            return times;
        });

    /// <summary>
    /// Opens a watch, writes <paramref name="events"/> status patches from <paramref name="writers"/> loops, and times
    /// their delivery; then opens a second watch from the same resourceVersion and times the replay of the same events.
    /// </summary>
    public async Task<WatchFigures> WatchAsync(int events, int writers, CancellationToken cancellationToken)
    {
        var from = cluster.Kube.ResourceVersion.ToString(CultureInfo.InvariantCulture);
        var lags = new LatencyRecorder();
        using var liveStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var live = CountEventsAsync(from, events, lags, liveStop.Token);
        await Eventually.UntilAsync(() => cluster.Kube.ActiveWatchCount > 0, TimeSpan.FromSeconds(10), "the watch to open", interval: Poll.Interval, cancellationToken: cancellationToken);

        var cpu = Environment.CpuUsage.TotalTime;
        var started = Time.GetTimestamp();
        long next = -1;
        var writing = Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            long n;
            while ((n = Interlocked.Increment(ref next)) < events)
            {
                var key = cluster.Keys[(int)(n % cluster.Keys.Count)];
                var message = $"watched {n.ToString(CultureInfo.InvariantCulture)} {Time.GetTimestamp().ToString(CultureInfo.InvariantCulture)}";
                await cluster.Runs.PatchStatusAsync(key, MessagePatch.With(message), cancellationToken);
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(writing);
        var written = Time.GetElapsedTime(started);
        await live.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        var delivered = new LoadResult(events, Time.GetElapsedTime(started), Environment.CpuUsage.TotalTime - cpu);

        var replayed = await LoadResult.MeasureAsync(async () =>
        {
            await CountEventsAsync(from, events, null, cancellationToken).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
            return events;
        });

        return new WatchFigures(events / written.TotalSeconds, delivered, lags.PercentileMs(50), lags.PercentileMs(99), replayed);
    }

    /// <summary>Watches from <paramref name="resourceVersion"/> until <paramref name="count"/> MODIFIED events arrived.</summary>
    private async Task CountEventsAsync(string resourceVersion, int count, LatencyRecorder? lags, CancellationToken cancellationToken)
    {
        var received = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await foreach (var (type, run) in cluster.Runs.WatchAsync(SeededCluster.Namespace, resourceVersion, 600, stop.Token))
        {
            if (type != WatchEventType.Modified)
            {
                continue;
            }

            if (lags is not null && run.Status?.Message?.Split(' ') is ["watched", _, var sent])
            {
                lags.Add(Time.GetElapsedTime(long.Parse(sent, CultureInfo.InvariantCulture)));
            }

            if (++received == count)
            {
                await stop.CancelAsync();
                return;
            }
        }

        throw new InvalidOperationException($"the watch ended after {received} of {count} events");
    }
}
