using System.Diagnostics;
using k8s.Models;
using k8s;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Connects an informer to a reconciler through a work queue, as controller-runtime does: every change enqueues
/// the object's key; workers take keys (never one key twice at a time) and reconcile them; failures retry with
/// per-key backoff; <see cref="ReconcileResult.RequeueAfter"/> schedules the next look.
/// </summary>
public sealed class Controller<TResource>(
    string name,
    Informer<TResource> informer,
    IReconciler<TResource> reconciler,
    ControllerOptions options,
    TimeProvider time,
    RuntimeMetrics metrics,
    ILogger<Controller<TResource>> logger) : IRunnable
    where TResource : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly WorkQueue<ResourceKey> _queue = new(time, options.BaseRetryDelay, options.MaxRetryDelay);

    /// <inheritdoc />
    public string Name { get; } = name;

    /// <inheritdoc />
    public bool IsReady => Informer.HasSynced;

    /// <summary>The informer whose cache reconcilers read.</summary>
    public Informer<TResource> Informer { get; } = informer;

    /// <summary>Enqueues a key by hand (e.g. from another watch).</summary>
    public void Enqueue(ResourceKey key) => _queue.Add(key);

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then shuts down gracefully (see <see cref="RunAsync(CancellationToken, CancellationToken)"/>).</summary>
    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(cancellationToken, CancellationToken.None);

    /// <summary>
    /// Runs the informer and the workers. When <paramref name="stopping"/> is cancelled no new key is taken, and
    /// in-flight reconciles get <see cref="ControllerOptions.ShutdownGrace"/> to finish before their own token is
    /// cancelled. When <paramref name="aborting"/> is cancelled (leadership lost) their token is cancelled at once.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping, CancellationToken aborting)
    {
        using var queueMetric = metrics.ObserveQueue(Name, () => _queue.Depth);
        Informer.Changed += _queue.Add;
        using var informerStop = new CancellationTokenSource();
        using var started = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborting);
        using var hardStop = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        var informerTask = Informer.RunAsync(informerStop.Token);
        await using var graceful = stopping.Register(() =>
        {
            _queue.ShutDown();
            hardStop.CancelAfter(options.ShutdownGrace);
        });
        await using var abort = aborting.Register(() =>
        {
            _queue.ShutDown();
            hardStop.Cancel();
        });

        try
        {
            await Informer.Synced.WaitAsync(started.Token).ConfigureAwait(false);
            RuntimeLog.ControllerStarted(logger, Name, options.Workers);
            var workers = Enumerable.Range(0, Math.Max(1, options.Workers))
                .Select(_ => Task.Run(() => WorkAsync(hardStop.Token), CancellationToken.None))
                .ToList();
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (started.IsCancellationRequested)
        {
            // Stopped before the first list completed: nothing was in flight.
        }
        finally
        {
            Informer.Changed -= _queue.Add;
            await informerStop.CancelAsync().ConfigureAwait(false);
            await informerTask.ConfigureAwait(false);
            RuntimeLog.ControllerStopped(logger, Name);
        }
    }

    private async Task WorkAsync(CancellationToken stopping)
    {
        while (true)
        {
            ResourceKey key;
            try
            {
                key = await _queue.TakeAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                return;
            }

            try
            {
                await ReconcileOneAsync(key, stopping).ConfigureAwait(false);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    private async Task ReconcileOneAsync(ResourceKey key, CancellationToken stopping)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await reconciler.ReconcileAsync(key, stopping).ConfigureAwait(false);
            _queue.Forget(key);
            if (result.RequeueAfterDelay is { } delay)
            {
                _queue.AddAfter(key, delay);
            }

            metrics.Reconciled(Name, result.RequeueAfterDelay is null ? "done" : "requeue", Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            metrics.Reconciled(Name, "cancelled", Stopwatch.GetElapsedTime(started));
        }
        catch (ResourceConflictException)
        {
            // Someone else (the receiver, a user) wrote first: a 409, or a guarded finalizer patch whose test failed.
            // The watch brings their version. Routine: retried with the usual backoff, counted, not worth a warning.
            var delay = _queue.AddRateLimited(key);
            metrics.Reconciled(Name, "conflict", Stopwatch.GetElapsedTime(started));
            RuntimeLog.ReconcileConflicted(logger, Name, key, delay);
        }
        catch (Exception ex)
        {
            var delay = _queue.AddRateLimited(key);
            metrics.Reconciled(Name, "error", Stopwatch.GetElapsedTime(started));
            RuntimeLog.ReconcileFailed(logger, Name, key, _queue.Failures(key), delay, ex.Message);
        }
    }
}
