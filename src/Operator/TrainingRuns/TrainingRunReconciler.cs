using System.Collections.Concurrent;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.ModelCache;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Credentials;
using LoraTrainer.Operator.Vast.Instances;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Drives a TrainingRun from apply to teardown. One dispatch on the phase; every phase change goes through
/// <see cref="PhaseMachine"/>; every write is a guarded status patch (a 409 re-reads and reconciles again).
/// Money rules: an instance is released as soon as a run is terminal, stalled, suspended or deleted, and a
/// rented instance is recorded before anything else can happen to the run.
/// </summary>
internal sealed partial class TrainingRunReconciler(
    Informer<TrainingRun> informer,
    ResourceWriter<TrainingRun, TrainingRunStatus> writer,
    CustomResourceClient<TrainingRun> runs,
    RunPreparation preparation,
    RunCredentialResolver credentialResolver,
    GpuLease gpus,
    RunSupervisor supervisor,
    EpochSelection selection,
    RunLeftovers leftovers,
    EventRecorder events,
    TimeProvider time,
    IOptions<OperatorOptions> options,
    ILogger<TrainingRunReconciler> logger) : IReconciler<TrainingRun>
{
    private readonly ConcurrentDictionary<ResourceKey, TrainingPhase> _seenPhase = new();
    private readonly ConcurrentDictionary<ResourceKey, PreparedAttempt> _preparedAttempts = new();

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var run = writer.Latest(key, informer.Get(key));
        if (run is null)
        {
            _seenPhase.TryRemove(key, out _);
            _announcedSamples.TryRemove(key, out _);
            _preparedAttempts.TryRemove(key, out _);
            supervisor.Forget(key);
            return ReconcileResult.Done;
        }

        if (run.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(run, cancellationToken).ConfigureAwait(false);
        }

        await NotePhaseAsync(run, cancellationToken).ConfigureAwait(false);
        await NoteSamplesAsync(run, cancellationToken).ConfigureAwait(false);
        run = await SettleModelCacheAsync(run, cancellationToken).ConfigureAwait(false);

        run = await writer.AddFinalizerAsync(run, TrainingRun.ReleaseFinalizer, cancellationToken).ConfigureAwait(false);
        if (run.Status is null)
        {
            run = await ApplyAsync(run, new AcceptedInput(), cancellationToken).ConfigureAwait(false);
        }

        var credentials = await RunScopeAsync(run, cancellationToken).ConfigureAwait(false);
        using var scope = VastApiKeyScope.Use(credentials);
        if (SuspendChange(run) is { } suspend)
        {
            return await SuspendAsync(run, suspend, cancellationToken).ConfigureAwait(false);
        }

        if (run.Spec.Finish is FinishRequest.Now && !PhaseMachine.IsTerminal(run) && run.Status!.Phase != TrainingPhase.Training)
        {
            // A training run is finished by its agent (told in its event answers); any other by what earlier attempts kept.
            (run, var finishing) = await FinishEarlyAsync(run, cancellationToken).ConfigureAwait(false);
            if (finishing is { } retry)
            {
                return retry;
            }
        }

        var status = run.Status!;
        if (PhaseMachine.IsTerminal(run) && ModelCacheKeeper.HasWork(run))
        {
            // A cache upload the store could not settle yet; the run itself asks for nothing more.
            await FinishAsync(run, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(options.Value.NoOfferRetryInterval);
        }

        return status.Phase switch
        {
            _ when PhaseMachine.IsTerminal(run) => await FinishAsync(run, cancellationToken).ConfigureAwait(false),
            TrainingPhase.Pending when status.Suspended => ReconcileResult.Done,
            TrainingPhase.Pending or TrainingPhase.Stalled => await AllocateAsync(run, cancellationToken).ConfigureAwait(false),
            _ => await SuperviseAsync(run, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>pending (or stalled with retries left): prepare the attempt, rent a GPU, record it → pendingGpu.</summary>
    private async Task<ReconcileResult> AllocateAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (run.Status!.Phase == TrainingPhase.Stalled)
        {
            var released = await ReleaseAsync(run, cancellationToken).ConfigureAwait(false);
            if (released.Retry is { } retry)
            {
                return retry;
            }

            // A state the stalled attempt sent is completed before the retry's config names the state to continue from.
            (run, var stateFailed) = await AdvanceStateAsync(released.Run, cancellationToken).ConfigureAwait(false);
            if (stateFailed)
            {
                return ReconcileResult.RequeueAfter(options.Value.InstanceCheckInterval);
            }
        }

        if (run.Spec.DryRun && run.Status!.Plan is not null && run.Status.ObservedGeneration == run.Metadata.Generation)
        {
            // Planned for this spec already; an edit of the spec plans again.
            return ReconcileResult.Done;
        }

        if (RunSupervisor.LimitReached(run, time.GetUtcNow()) is { } limit)
        {
            run = await ApplyAsync(run, limit, cancellationToken).ConfigureAwait(false);
            return await FinishAsync(run, cancellationToken).ConfigureAwait(false);
        }

        var attempt = run.Status!.Attempt + 1;
        var prepared = await PrepareAttemptAsync(run, attempt, cancellationToken).ConfigureAwait(false);
        if (prepared.Refusal is { } refusal)
        {
            await ApplyAsync(run, new FailInput(refusal, "InvalidSpec"), cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (prepared.Ready is not { } ready)
        {
            TrainingRunLog.Waiting(logger, Name(run), prepared.RetryReason!);
            await WriteAsync(run, run.Status with { Message = $"waiting: {prepared.RetryReason}" }, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(RunSupervisor.WaitWithoutGpu(run, time.GetUtcNow(), options.Value.NoOfferRetryInterval));
        }

        await preparation.AbortReplacedCacheUploadsAsync(run, ready.Model, cancellationToken).ConfigureAwait(false);
        run = await WriteAsync(run, run.Status with { Model = ready.Model, Dataset = ready.Dataset, Plan = run.Spec.DryRun ? run.Status.Plan : null, Reason = null }, cancellationToken).ConfigureAwait(false);
        if (run.Spec.DryRun)
        {
            return await PlanAsync(run, ready.Family, cancellationToken).ConfigureAwait(false);
        }

        RentResult rented;
        try
        {
            rented = await gpus.RentAsync(run, attempt, ready.Family, ready.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (VastApiException error)
        {
            return await ReportVastTroubleAsync(run, "no GPU yet", error, cancellationToken).ConfigureAwait(false);
        }

        if (rented.Instance is not { } instance)
        {
            TrainingRunLog.NoOffer(logger, Name(run), rented.Message);
            await WriteAsync(run, run.Status! with { Message = $"no GPU yet: {rented.Message}; looking again in {Duration.Format(options.Value.NoOfferRetryInterval)}" }, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(RunSupervisor.WaitWithoutGpu(run, time.GetUtcNow(), options.Value.NoOfferRetryInterval));
        }

        var gpu = new GpuStatus
        {
            InstanceId = Id(instance.InstanceId),
            OfferId = instance.OfferId is { } offer ? Id(offer) : null,
            MachineId = instance.MachineId is { } machine ? Id(machine) : null,
            GpuName = instance.GpuName,
            NumGpus = instance.NumGpus,
            PricePerHour = instance.PricePerHour,
            StoragePricePerHour = instance.StoragePricePerHour,
            // Vast bills from the create on; the run's own clock readings are whole seconds.
            AllocatedAt = Time.ToMillisecond(time.GetUtcNow()),
        };
        run = await ApplyAsync(run, new GpuAllocatedInput(gpu), cancellationToken).ConfigureAwait(false);
        if (run.Spec.RunPolicy?.MaxCostUsd is not null)
        {
            // The config written before renting cannot say when the budget runs out at this price; the first
            // supervision writes it again, usually long before the image is pulled and the agent fetches it.
            _preparedAttempts.TryRemove(ResourceKey.Of(run), out _);
        }

        TrainingRunLog.Rented(logger, Name(run), gpu.InstanceId!, instance.Describe(), attempt);
        await events.NormalAsync(run, "GpuAllocated", $"attempt {attempt}: rented {instance.Describe()} (instance {gpu.InstanceId})", cancellationToken).ConfigureAwait(false);
        return supervisor.NextCheck(run, time.GetUtcNow());
    }

    /// <summary>
    /// Prepares the attempt, or reuses its preparation while its URLs are fresh: a run waiting for an offer looks again
    /// every minute, and need not ask Civitai, list its dataset and rewrite its Secret each time.
    /// </summary>
    private async Task<Preparation> PrepareAttemptAsync(TrainingRun run, int attempt, CancellationToken cancellationToken)
    {
        var key = ResourceKey.Of(run);
        var now = time.GetUtcNow();
        if (_preparedAttempts.TryGetValue(key, out var earlier) && earlier.IsFor(run, attempt) && now - earlier.At < options.Value.PresignRefreshInterval)
        {
            return Preparation.Done(earlier.Run);
        }

        var prepared = await preparation.PrepareAsync(run, attempt, cancellationToken).ConfigureAwait(false);
        if (prepared.Ready is { } ready)
        {
            // The URLs' age counts from here, however long the run then waits for an offer.
            _preparedAttempts[key] = new PreparedAttempt(run.Metadata.Uid, run.Metadata.Generation, attempt, ready, now);
        }
        else
        {
            _preparedAttempts.TryRemove(key, out _);
        }

        return prepared;
    }

    /// <summary>A phase that holds a GPU: verify an upload, enforce limits and deadlines, watch the instance, refresh URLs.</summary>
    private async Task<ReconcileResult> SuperviseAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (await supervisor.CheckAsync(run, cancellationToken).ConfigureAwait(false) is { } input)
        {
            run = await ApplyAsync(run, input, cancellationToken).ConfigureAwait(false);
            return PhaseMachine.IsTerminal(run)
                ? await FinishAsync(run, cancellationToken).ConfigureAwait(false)
                : ReconcileResult.RequeueAfter(TimeSpan.Zero);
        }

        var now = time.GetUtcNow();
        var (advanced, _) = await AdvanceStateAsync(run, cancellationToken).ConfigureAwait(false);
        if (advanced != run && _preparedAttempts.TryGetValue(ResourceKey.Of(run), out var stale))
        {
            // The config must name the new upload and state now, not at the next refresh.
            _preparedAttempts[ResourceKey.Of(run)] = stale with { At = DateTimeOffset.MinValue };
        }

        run = advanced;
        await RefreshUrlsAsync(run, now, cancellationToken).ConfigureAwait(false);
        var cost = new CostStatus { ReleasedUsd = run.Status!.Cost?.ReleasedUsd ?? 0, EstimatedUsd = Math.Round(RunCost.Estimate(run.Status, now), 2) };
        run = await WriteAsync(run, run.Status with { Cost = cost }, cancellationToken).ConfigureAwait(false);
        return supervisor.NextCheck(run, now);
    }

    /// <summary>
    /// Re-issues the attempt's presigned URLs and model links once they are <c>Operator.PresignRefreshInterval</c> old,
    /// keeping its dataset and config. A failure is logged and tried again at the next check: the URLs issued before
    /// stay valid until their expiry, which the options keep longer than the interval.
    /// </summary>
    private async Task RefreshUrlsAsync(TrainingRun run, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = ResourceKey.Of(run);
        var attempt = run.Status!.Attempt;
        var known = _preparedAttempts.TryGetValue(key, out var prepared) && prepared.IsAttempt(run, attempt) ? prepared : null;
        if (known is not null && now - known.At < options.Value.PresignRefreshInterval)
        {
            return;
        }

        var refreshed = await preparation.RefreshAsync(run, known?.Run, cancellationToken).ConfigureAwait(false);
        if (refreshed.Ready is { } ready)
        {
            _preparedAttempts[key] = new PreparedAttempt(run.Metadata.Uid, run.Metadata.Generation, attempt, ready, now);
        }
        else
        {
            TrainingRunLog.RefreshFailed(logger, Name(run), attempt, refreshed.Refusal ?? refreshed.RetryReason!);
        }
    }

    /// <summary>A terminal phase: release the instance, record the final cost, delete after the TTL.</summary>
    private async Task<ReconcileResult> FinishAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var released = await ReleaseAsync(run, cancellationToken).ConfigureAwait(false);
        if (released.Retry is { } retry)
        {
            return retry;
        }

        (run, var stateFailed) = await AdvanceStateAsync(released.Run, cancellationToken).ConfigureAwait(false);
        if (EpochSelection.IsDue(run))
        {
            run = await SelectEpochAsync(run, cancellationToken).ConfigureAwait(false);
        }

        if (stateFailed)
        {
            // Not deleted after its TTL either until the state is whole and no upload is left open.
            return ReconcileResult.RequeueAfter(options.Value.InstanceCheckInterval);
        }

        (run, var leftoversFailed) = await DeleteLeftoversAsync(run, cancellationToken).ConfigureAwait(false);
        if (leftoversFailed)
        {
            // Nor while files it should not keep are left in the bucket.
            return ReconcileResult.RequeueAfter(options.Value.InstanceCheckInterval);
        }

        if (run.Spec.RunPolicy?.TtlSecondsAfterFinished is not { } ttl || PhaseMachine.FinishedAt(run) is not { } finished)
        {
            return ReconcileResult.Done;
        }

        var expiry = finished.AddSeconds(ttl);
        var now = time.GetUtcNow();
        if (expiry > now)
        {
            return ReconcileResult.RequeueAfter(expiry - now);
        }

        TrainingRunLog.Expired(logger, Name(run), ttl);
        await runs.DeleteAsync(ResourceKey.Of(run), cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>Deleted: release everything this run may have rented, then let Kubernetes remove it.</summary>
    private async Task<ReconcileResult> FinalizeAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (run.Metadata.Finalizers?.Contains(TrainingRun.ReleaseFinalizer) != true)
        {
            return ReconcileResult.Done;
        }

        var credentials = await RunScopeAsync(run, cancellationToken).ConfigureAwait(false);
        using (VastApiKeyScope.Use(credentials))
        {
            // The finalizer stays until Vast confirms: the run cannot disappear while something of it bills.
            var released = await ReleaseEverythingAsync(run, cancellationToken).ConfigureAwait(false);
            if (released.Retry is { } retry)
            {
                return retry;
            }

            run = released.Run;
        }

        // With the instance gone no agent sends another part: a cache upload the agent finished is completed, any other
        // aborted, rather than left to the bucket's lifecycle rule. Only an outage of the store holds the deletion up.
        (run, var cacheRetry) = await SettleModelCacheFilesAsync(run, cancellationToken).ConfigureAwait(false);
        if (cacheRetry)
        {
            return ReconcileResult.RequeueAfter(options.Value.InstanceCheckInterval);
        }

        await writer.RemoveFinalizerAsync(run, TrainingRun.ReleaseFinalizer, cancellationToken).ConfigureAwait(false);
        _preparedAttempts.TryRemove(ResourceKey.Of(run), out _);
        return ReconcileResult.Done;
    }

    private static string Id(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Name(TrainingRun run) => $"{run.Metadata.NamespaceProperty}/{run.Metadata.Name}";
}
