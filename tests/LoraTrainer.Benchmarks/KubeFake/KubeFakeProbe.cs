using System.Globalization;
using k8s;
using LoraTrainer.Benchmarks.Fixtures;
using LoraTrainer.Benchmarks.Measuring;

namespace LoraTrainer.Benchmarks.KubeFake;

/// <summary>The individual measurements of <see cref="KubeFakeBenchmark"/> against one seeded fake.</summary>
internal sealed class KubeFakeProbe(SeededCluster cluster)
{
    private static readonly TimeProvider Time = TimeProvider.System;
    private long _patches;

    /// <summary>Lets the JIT, the connection pool and Kestrel settle before anything is timed.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        await GetsPerSecondAsync(4, TimeSpan.FromSeconds(1), null, cancellationToken);
        await PatchesPerSecondAsync(4, TimeSpan.FromSeconds(1), null, cancellationToken);
        await ListMillisecondsAsync(2, cancellationToken);
    }

    public Task<double> GetsPerSecondAsync(int concurrency, TimeSpan duration, LatencyRecorder? latencies, CancellationToken cancellationToken) =>
        LoadLoops.RunAsync(concurrency, duration, async (_, _, ct) =>
        {
            var key = cluster.Keys[Random.Shared.Next(cluster.Keys.Count)];
            _ = await cluster.Runs.GetAsync(key, ct) ?? throw new InvalidOperationException($"{key} vanished");
        }, latencies, cancellationToken);

    public Task<double> PatchesPerSecondAsync(int concurrency, TimeSpan duration, LatencyRecorder? latencies, CancellationToken cancellationToken) =>
        LoadLoops.RunAsync(concurrency, duration, async (_, _, ct) =>
        {
            var n = Interlocked.Increment(ref _patches);
            var key = cluster.Keys[(int)(n % cluster.Keys.Count)];
            await cluster.Runs.PatchStatusAsync(key, MessagePatch.With($"patch {n}"), ct);
        }, latencies, cancellationToken);

    /// <summary>The median time of <paramref name="times"/> complete LISTs, in milliseconds.</summary>
    public async Task<double> ListMillisecondsAsync(int times, CancellationToken cancellationToken)
    {
        var durations = new List<double>();
        for (var i = 0; i < times; i++)
        {
            var started = Time.GetTimestamp();
            var (items, _) = await cluster.Runs.ListAsync(SeededCluster.Namespace, cancellationToken);
            durations.Add(Time.GetElapsedTime(started).TotalMilliseconds);
            if (items.Count != cluster.Keys.Count)
            {
                throw new InvalidOperationException($"LIST returned {items.Count} objects, {cluster.Keys.Count} expected");
            }
        }

        return Samples.Median(durations);
    }

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
        await Poll.UntilAsync(() => cluster.Kube.ActiveWatchCount > 0, "the watch to open", TimeSpan.FromSeconds(10), cancellationToken);

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
        var delivered = Time.GetElapsedTime(started);

        var replayStarted = Time.GetTimestamp();
        await CountEventsAsync(from, events, null, cancellationToken).WaitAsync(TimeSpan.FromMinutes(2), cancellationToken);
        var replayed = Time.GetElapsedTime(replayStarted);

        return new WatchFigures(events / written.TotalSeconds, events / delivered.TotalSeconds,
            lags.PercentileMs(50), lags.PercentileMs(99), events / replayed.TotalSeconds);
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
