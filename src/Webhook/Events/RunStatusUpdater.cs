using System.Collections.Concurrent;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Webhook.Events;

/// <summary>The outcome of one event: whether it changed the run, and the run's phase afterwards.</summary>
internal sealed record EventOutcome(bool Accepted, TrainingPhase Phase, bool Coalesced);

/// <summary>
/// Applies agent events to TrainingRun status through the phase machine. Writes are merge patches guarded by the
/// resourceVersion and retried after a 409 (the reconciler writes the same status). Phase changes are written at
/// once; progress-only events are coalesced to at most one write per run per interval, and the latest values are
/// always written when the interval ends (or at shutdown).
/// </summary>
internal sealed class RunStatusUpdater(
    CustomResourceClient<TrainingRun> runs,
    TimeProvider time,
    IOptions<ReceiverOptions> options,
    ReceiverMetrics metrics,
    ILogger<RunStatusUpdater> logger) : IAsyncDisposable
{
    /// <summary>A run's state is dropped after this long without an event (it only caches the run as last read).</summary>
    public static readonly TimeSpan IdleExpiry = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<ResourceKey, RunState> _states = new();
    private DateTimeOffset _lastSweep;

    /// <summary>Runs whose state is held now.</summary>
    public int TrackedRuns => _states.Count;

    /// <summary>
    /// The run as last read or written, re-read when older than the cache duration or when <paramref name="refresh"/> is
    /// set; null when it does not exist. A run in a terminal phase is not kept: nothing more will be written to it.
    /// </summary>
    public async Task<TrainingRun?> ReadRunAsync(ResourceKey key, bool refresh, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        SweepIdle(now);
        var state = StateOf(key, now);
        if (!refresh && state.Server is { } cached && now - state.ReadAt < options.Value.TokenCacheDuration)
        {
            return cached;
        }

        var run = await runs.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (run is null || PhaseMachine.IsTerminal(run))
        {
            Forget(key, state);
            return run;
        }

        await state.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            state.Server = run;
            state.Projected = null;
            state.ReadAt = now;
        }
        finally
        {
            state.Lock.Release();
        }

        return run;
    }

    /// <summary>Applies <paramref name="input"/> (built from the run as last read) and writes what it changed.</summary>
    public async Task<EventOutcome> ApplyAsync(ResourceKey key, TrainingRun run, PhaseInput input, CancellationToken cancellationToken)
    {
        var state = StateOf(key, time.GetUtcNow());
        await state.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            // The projection (server copy plus pending coalesced inputs) is kept, so an event costs the same however many came before it.
            var projected = state.Projected ??= Project(state.Server ?? run, state.Pending, now);
            var result = PhaseMachine.Apply(projected, input, now);
            if (!result.Accepted)
            {
                return new EventOutcome(false, projected.Status?.Phase ?? TrainingPhase.Pending, false);
            }

            var interval = options.Value.ProgressWriteInterval;
            if (EventTranslator.IsProgressOnly(input) && state.Server is not null && now - state.LastWrite < interval)
            {
                state.Pending.Add(input);
                state.Projected = WithStatus(projected, result.Status);
                ScheduleFlush(key, state, state.LastWrite + interval - now);
                metrics.Coalesced();
                return new EventOutcome(true, result.Status.Phase, true);
            }

            state.Pending.Add(input);
            try
            {
                var outcome = await WriteAsync(key, state, run, input, cancellationToken).ConfigureAwait(false);
                if (state.Server is { } written && PhaseMachine.IsTerminal(written))
                {
                    Forget(key, state);
                }

                return outcome;
            }
            catch
            {
                state.Pending.Remove(input);
                state.Projected = null;
                throw;
            }
        }
        finally
        {
            state.Lock.Release();
        }
    }

    /// <summary>Writes every pending coalesced update now.</summary>
    public async Task FlushAllAsync(CancellationToken cancellationToken)
    {
        foreach (var (key, state) in _states)
        {
            await FlushAsync(key, state, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var state in _states.Values)
        {
            state.Timer?.Dispose();
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>Applies pending inputs to a fresh copy of the run and patches status, re-reading after each 409.</summary>
    private async Task<EventOutcome> WriteAsync(ResourceKey key, RunState state, TrainingRun basis, PhaseInput? last, CancellationToken cancellationToken)
    {
        var current = state.Server ?? basis;
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var applied = current;
            var lastAccepted = false;
            foreach (var input in state.Pending)
            {
                var result = PhaseMachine.Apply(applied, input, now);
                if (ReferenceEquals(input, last))
                {
                    lastAccepted = result.Accepted;
                }

                applied = WithStatus(applied, result.Status);
            }

            try
            {
                var written = await WriteStatusAsync(current, applied.Status!, cancellationToken).ConfigureAwait(false);
                state.Server = written;
                state.Projected = null;
                state.ReadAt = now;
                state.LastWrite = now;
                state.Pending.Clear();
                state.Timer?.Dispose();
                state.Timer = null;
                return new EventOutcome(last is null || lastAccepted, written.Status?.Phase ?? TrainingPhase.Pending, false);
            }
            catch (ResourceConflictException) when (attempt < options.Value.ConflictRetries)
            {
                metrics.Conflict();
                current = await runs.GetAsync(key, cancellationToken).ConfigureAwait(false)
                    ?? throw new ResourceNotFoundException($"TrainingRun {key} was deleted");
                state.Server = current;
                state.Projected = null;
                state.ReadAt = time.GetUtcNow();
            }
        }
    }

    private async Task<TrainingRun> WriteStatusAsync(TrainingRun current, TrainingRunStatus desired, CancellationToken cancellationToken)
    {
        var patch = StatusPatch.For(current.Status, desired, current.Metadata.ResourceVersion);
        if (patch is null)
        {
            return current;
        }

        var written = await runs.PatchStatusAsync(ResourceKey.Of(current), patch, cancellationToken).ConfigureAwait(false);
        metrics.StatusWritten();
        return written;
    }

    private void ScheduleFlush(ResourceKey key, RunState state, TimeSpan delay)
    {
        state.Timer ??= time.CreateTimer(_ => _ = FlushInBackgroundAsync(key, state), null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private async Task FlushInBackgroundAsync(ResourceKey key, RunState state)
    {
        try
        {
            await FlushAsync(key, state, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            ReceiverLog.FlushFailed(logger, key.ToString(), ex.Message);
        }
    }

    private async Task FlushAsync(ResourceKey key, RunState state, CancellationToken cancellationToken)
    {
        await state.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            state.Timer?.Dispose();
            state.Timer = null;
            if (state.Pending.Count > 0 && state.Server is not null)
            {
                await WriteAsync(key, state, state.Server, null, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            state.Lock.Release();
        }
    }

    private RunState StateOf(ResourceKey key, DateTimeOffset now)
    {
        var state = _states.GetOrAdd(key, _ => new RunState());
        state.LastUsed = now;
        return state;
    }

    private void Forget(ResourceKey key, RunState state)
    {
        state.Timer?.Dispose();
        _states.TryRemove(new KeyValuePair<ResourceKey, RunState>(key, state));
    }

    /// <summary>Drops, at most once a minute, the state of runs idle for <see cref="IdleExpiry"/> with nothing left to write.</summary>
    private void SweepIdle(DateTimeOffset now)
    {
        if (now - _lastSweep < TimeSpan.FromMinutes(1))
        {
            return;
        }

        _lastSweep = now;
        foreach (var (key, state) in _states)
        {
            if (now - state.LastUsed >= IdleExpiry && state.Pending.Count == 0 && state.Timer is null && state.Lock.CurrentCount == 1)
            {
                _states.TryRemove(new KeyValuePair<ResourceKey, RunState>(key, state));
            }
        }
    }

    private static TrainingRun Project(TrainingRun run, IEnumerable<PhaseInput> pending, DateTimeOffset now) =>
        pending.Aggregate(run, (r, input) => WithStatus(r, PhaseMachine.Apply(r, input, now).Status));

    private static TrainingRun WithStatus(TrainingRun run, TrainingRunStatus status) =>
        new() { ApiVersion = run.ApiVersion, Kind = run.Kind, Metadata = run.Metadata, Spec = run.Spec, Status = status };

    private sealed class RunState
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);
        public TrainingRun? Server { get; set; }
        public TrainingRun? Projected { get; set; }
        public List<PhaseInput> Pending { get; } = [];
        public DateTimeOffset LastWrite { get; set; }
        public DateTimeOffset ReadAt { get; set; }
        public DateTimeOffset LastUsed { get; set; }
        public ITimer? Timer { get; set; }
    }
}
