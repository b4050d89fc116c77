using System.Collections.Concurrent;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Operator.Vast.Instances;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Watches a run that holds a GPU and says what must happen next: the upload verified or refused, the budget or the
/// active deadline exceeded, a phase deadline passed, or the instance dead. Returns the phase input, or none.
/// </summary>
internal sealed class RunSupervisor(
    GpuLease gpus,
    IObjectStoreFactory stores,
    RunCredentialResolver credentials,
    TimeProvider time,
    IOptions<OperatorOptions> options)
{
    private readonly ConcurrentDictionary<(ResourceKey Run, string Uid, string Instance), DateTimeOffset> _lastHealthCheck = new();

    /// <summary>The input the run's situation calls for, checked in order of precedence; null when all is well.</summary>
    public async Task<PhaseInput?> CheckAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        var now = time.GetUtcNow();
        // Checked before the instance: an agent that reported its output may exit, and its container with it.
        if (status.WorkPhase() == TrainingPhase.Training && status.Output is { Uri: { } uri, VerifiedAt: null } output)
        {
            return await VerifyAsync(run, uri, output, cancellationToken).ConfigureAwait(false);
        }

        if (LimitReached(run, now) is { } limit)
        {
            return limit;
        }

        if (PhaseDeadlines.For(run) is { } deadline && now >= deadline.At)
        {
            return new StallInput(deadline.Reason, status.Gpu?.MachineId);
        }

        if (status.Gpu?.InstanceId is { } instanceId && DueForHealthCheck(run, instanceId, now))
        {
            var health = await gpus.HealthAsync(instanceId, cancellationToken).ConfigureAwait(false);
            return Observe(run, instanceId, health);
        }

        return null;
    }

    /// <summary>
    /// What the instance's health means for the run. A paused interruptible instance is waited for (the interrupted
    /// deadline bounds the wait) and returns the run to its phase once it runs again; paused on demand, it is dead.
    /// </summary>
    public static PhaseInput? Observe(TrainingRun run, string instanceId, InstanceHealth health)
    {
        var status = run.Status!;
        var interruptible = run.Spec.Gpu?.Interruptible == true;
        return health.State switch
        {
            InstanceState.Paused when interruptible && status.Phase != TrainingPhase.Interrupted => new InterruptedInput(
                $"{health.Reason}; waiting up to {Duration.Format(PhaseDeadlines.InterruptedWait(run))} for Vast to resume instance {instanceId} before renting another"),
            InstanceState.Paused when interruptible => null,
            InstanceState.Running when status.Phase == TrainingPhase.Interrupted => new InstanceResumedInput(),
            InstanceState.Paused or InstanceState.Dead => new StallInput($"instance {instanceId} died: {health.Reason}", status.Gpu?.MachineId),
            _ => null,
        };
    }

    /// <summary>
    /// The run's own limits, <c>maxCostUsd</c> and <c>activeDeadlineSeconds</c>, when one is used up; checked whether or
    /// not a GPU is held, so that a run which spent its budget or time waiting never rents again.
    /// </summary>
    public static FailInput? LimitReached(TrainingRun run, DateTimeOffset now)
    {
        var status = run.Status!;
        if (run.Spec.RunPolicy?.MaxCostUsd is { } budget && RunCost.Estimate(status, now) >= budget)
        {
            return new FailInput($"the run has spent ${RunCost.Estimate(status, now):0.00}, reaching maxCostUsd (${budget:0.00}); raise it to train longer", "BudgetExceeded");
        }

        return PhaseDeadlines.Active(run) is { } active && now >= active.At ? new FailInput(active.Reason, "DeadlineExceeded") : null;
    }

    /// <summary>How long a run without a GPU may wait before looking again: <paramref name="interval"/>, or less when its active deadline comes first.</summary>
    public static TimeSpan WaitWithoutGpu(TrainingRun run, DateTimeOffset now, TimeSpan interval) =>
        PhaseDeadlines.Active(run) is { } active && active.At - now < interval ? TimeSpan.FromTicks(Math.Max(0, (active.At - now).Ticks)) : interval;

    /// <summary>When to look again: the nearest deadline, the budget running out, or the next health check.</summary>
    public ReconcileResult NextCheck(TrainingRun run, DateTimeOffset now)
    {
        var next = now + options.Value.InstanceCheckInterval;
        foreach (var at in new[] { PhaseDeadlines.For(run)?.At, PhaseDeadlines.Active(run)?.At, BudgetExhaustedAt(run, now) })
        {
            if (at is { } candidate && candidate < next)
            {
                next = candidate;
            }
        }

        return ReconcileResult.RequeueAfter(next - now);
    }

    private static DateTimeOffset? BudgetExhaustedAt(TrainingRun run, DateTimeOffset now)
    {
        if (run.Spec.RunPolicy?.MaxCostUsd is not { } budget || run.Status?.Gpu?.PricePerHour is not { } price || price <= 0)
        {
            return null;
        }

        var remaining = budget - RunCost.Estimate(run.Status, now);
        return now + TimeSpan.FromHours(Math.Max(0, remaining) / price);
    }

    /// <summary>Forgets the health checks of a run that is gone, so the operator's memory does not grow with every run it has seen.</summary>
    public void Forget(ResourceKey key)
    {
        foreach (var entry in _lastHealthCheck.Keys.Where(k => k.Run == key))
        {
            _lastHealthCheck.TryRemove(entry, out _);
        }
    }

    private bool DueForHealthCheck(TrainingRun run, string instanceId, DateTimeOffset now)
    {
        var key = (ResourceKey.Of(run), run.Metadata.Uid ?? run.Metadata.Name, instanceId);
        if (_lastHealthCheck.TryGetValue(key, out var last) && now - last < options.Value.InstanceCheckInterval)
        {
            return false;
        }

        _lastHealthCheck[key] = now;
        return true;
    }

    /// <summary>
    /// The uploaded object must be the one the run was given to write (its output key, as <see cref="OutputKeys"/> names
    /// it), and exist with the reported size (and SHA-256, where the upload recorded one).
    /// </summary>
    private async Task<PhaseInput> VerifyAsync(TrainingRun run, string uri, OutputStatus output, CancellationToken cancellationToken)
    {
        if (!S3Uri.TryParse(uri, out var location) || !OutputKeys.IsResultOf(run.Spec.Output, run.Metadata.Name, location, output.Epoch))
        {
            var expected = OutputKeys.Best(run.Spec.Output.S3, run.Metadata.Name);
            return new FailInput($"the agent reported {uri} uploaded, but this run writes its output to {expected}", "VerificationFailed");
        }

        var (creds, error) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        if (creds is null)
        {
            return new FailInput($"cannot verify the upload: {error}", "VerificationFailed");
        }

        var head = await stores.Create(creds.S3).HeadAsync(location.Bucket, location.Key, cancellationToken).ConfigureAwait(false);
        if (head is null)
        {
            return new FailInput($"the agent reported {uri} uploaded, but it is not in S3", "VerificationFailed");
        }

        if (output.Bytes is { } bytes && head.Size != bytes)
        {
            return new FailInput($"{uri} is {head.Size} bytes in S3, but the agent uploaded {bytes}", "VerificationFailed");
        }

        if (output.Sha256 is { } sha && head.Metadata.TryGetValue("sha256", out var stored) && !string.Equals(stored, sha, StringComparison.OrdinalIgnoreCase))
        {
            return new FailInput($"{uri} has SHA-256 {stored} in S3, but the agent uploaded {sha}", "VerificationFailed");
        }

        return new UploadVerifiedInput();
    }
}
