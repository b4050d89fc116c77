using LoraTrainer.Api;
using LoraTrainer.Benchmarks.Measuring;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing;

namespace LoraTrainer.Benchmarks.Runtime;

/// <summary>
/// The trivial reconciler of the runtime benchmark: reads the run from the informer's cache and writes
/// <c>observedGeneration</c> and a message naming the current pass through <see cref="ResourceWriter{TResource,TStatus}"/>,
/// which skips the write when nothing changed. It counts what it did so the benchmark can wait for a pass to finish.
/// </summary>
internal sealed class StatusReconciler(Informer<TrainingRun> informer, ResourceWriter<TrainingRun, TrainingRunStatus> writer) : IReconciler<TrainingRun>
{
    private static readonly TimeProvider Time = TimeProvider.System;
    private long _reconciles;
    private long _writes;
    private long _failures;
    private long _lastActivity = Time.GetTimestamp();
    private volatile int _pass = 1;

    public long Reconciles => Interlocked.Read(ref _reconciles);

    public long Writes => Interlocked.Read(ref _writes);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Changing the pass makes every following reconcile write once more.</summary>
    public int Pass
    {
        get => _pass;
        set => _pass = value;
    }

    public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reconciles);
        Interlocked.Exchange(ref _lastActivity, Time.GetTimestamp());
        if (informer.Get(key) is not { } run)
        {
            return ReconcileResult.Done;
        }

        var desired = (run.Status ?? new TrainingRunStatus()) with
        {
            ObservedGeneration = run.Metadata.Generation,
            Message = $"observed by the benchmark, pass {_pass}",
        };
        try
        {
            var written = await writer.PatchStatusAsync(run, desired, cancellationToken);
            if (!ReferenceEquals(written, run))
            {
                Interlocked.Increment(ref _writes);
            }
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _failures);
            throw;
        }

        return ReconcileResult.Done;
    }

    public void ResetCounts()
    {
        Interlocked.Exchange(ref _reconciles, 0);
        Interlocked.Exchange(ref _writes, 0);
        Interlocked.Exchange(ref _failures, 0);
    }

    /// <summary>Waits until no reconcile has started for <paramref name="quiet"/>: the queue has drained, echoes included.</summary>
    public Task UntilQuietAsync(TimeSpan quiet, CancellationToken cancellationToken) =>
        Eventually.UntilAsync(() => Time.GetElapsedTime(Interlocked.Read(ref _lastActivity)) > quiet, TimeSpan.FromMinutes(5), "the work queue to drain",
            interval: Poll.Interval, cancellationToken: cancellationToken);
}
