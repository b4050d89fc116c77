using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Vast.Credentials;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class TrainingRunReconciler
{
    /// <summary>Applies an input through the phase machine, writes the result, and records an Event for a phase change.</summary>
    private async Task<TrainingRun> ApplyAsync(TrainingRun run, PhaseInput input, CancellationToken cancellationToken)
    {
        var result = PhaseMachine.Apply(run, input, time.GetUtcNow());
        if (!result.Accepted)
        {
            return run;
        }

        var before = run.Status;
        run = await WriteAsync(run, result.Status, cancellationToken).ConfigureAwait(false);
        _seenPhase[ResourceKey.Of(run)] = result.Status.Phase;
        if (result.PhaseChanged(before) || before is null)
        {
            await RecordPhaseChangeAsync(run, before?.Phase.ToWireName() ?? "new", result.Status, cancellationToken).ConfigureAwait(false);
        }

        return run;
    }

    /// <summary>
    /// Records an Event for a phase change someone else wrote — the receiver, applying the agent's reports — so the
    /// run's Events tell its whole story. The first sight of a run after a start is only remembered.
    /// </summary>
    private async Task NotePhaseAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (run.Status is not { } status)
        {
            return;
        }

        var key = ResourceKey.Of(run);
        if (_seenPhase.TryGetValue(key, out var seen) && seen != status.Phase)
        {
            await RecordPhaseChangeAsync(run, seen.ToWireName(), status, cancellationToken).ConfigureAwait(false);
        }

        _seenPhase[key] = status.Phase;
    }

    private async Task RecordPhaseChangeAsync(TrainingRun run, string from, TrainingRunStatus status, CancellationToken cancellationToken)
    {
        var to = status.Phase.ToWireName();
        TrainingRunLog.PhaseChanged(logger, Name(run), from, to, status.Message);
        var message = $"{from} → {to}: {status.Message}";
        // A run the user finished says so in its Event's reason too, as in its conditions.
        var reason = status.Reason == PhaseMachine.FinishedEarlyReason ? status.Reason : status.Phase.ToReason();
        await (status.Phase is TrainingPhase.Failed or TrainingPhase.Stalled or TrainingPhase.Interrupted
            ? events.WarningAsync(run, reason, message, cancellationToken)
            : events.NormalAsync(run, reason, message, cancellationToken)).ConfigureAwait(false);
    }

    private Task<TrainingRun> WriteAsync(TrainingRun run, TrainingRunStatus status, CancellationToken cancellationToken) =>
        writer.PatchStatusAsync(run, PhaseMachine.Refresh(run, status, time.GetUtcNow()), cancellationToken);

    /// <summary>
    /// Destroys the current instance (confirmed gone), then records when and what it cost. No-op when nothing is rented.
    /// When Vast fails the destroy, the outcome says when to try again.
    /// </summary>
    private async Task<ReleaseOutcome> ReleaseAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var status = run.Status;
        if (status?.Gpu is not { InstanceId: { } instanceId, ReleasedAt: null } gpu)
        {
            return new ReleaseOutcome(run, null);
        }

        // Vast stops billing when it destroys the instance, not when a later read confirms it gone.
        var asked = Time.ToMillisecond(time.GetUtcNow());
        try
        {
            await gpus.ReleaseAsync(instanceId, cancellationToken).ConfigureAwait(false);
        }
        catch (Vast.VastApiException error)
        {
            return await ReportReleaseTroubleAsync(run, $"instance {instanceId}", error, cancellationToken).ConfigureAwait(false);
        }

        var cost = RunCost.AfterRelease(status, asked);
        var message = WithoutReleaseTrouble(status.Message);
        run = await WriteAsync(run, status with { Gpu = gpu with { ReleasedAt = asked }, Cost = cost, Message = message }, cancellationToken).ConfigureAwait(false);
        TrainingRunLog.Released(logger, Name(run), instanceId, cost.EstimatedUsd);
        await events.NormalAsync(run, "GpuReleased", $"instance {instanceId} destroyed; the run has spent ${cost.EstimatedUsd:0.00}", cancellationToken).ConfigureAwait(false);
        return new ReleaseOutcome(run, null);
    }

    /// <summary>Which suspend input the spec asks for, if the status does not match it yet.</summary>
    private static PhaseInput? SuspendChange(TrainingRun run)
    {
        var wanted = run.Spec.RunPolicy?.Suspend == true;
        var status = run.Status!;
        if (PhaseMachine.IsTerminal(run) || wanted == status.Suspended)
        {
            return null;
        }

        return wanted ? new SuspendInput() : new ResumeInput();
    }

    private async Task<Runtime.ReconcileResult> SuspendAsync(TrainingRun run, PhaseInput change, CancellationToken cancellationToken)
    {
        if (change is SuspendInput)
        {
            // Suspended only once nothing bills: a suspended run claims no instance, so the orphan sweep would take
            // a leftover only after its grace period.
            var released = await ReleaseEverythingAsync(run, cancellationToken).ConfigureAwait(false);
            if (released.Retry is { } retry)
            {
                return retry;
            }

            run = released.Run;
        }

        await ApplyAsync(run, change, cancellationToken).ConfigureAwait(false);
        return Runtime.ReconcileResult.RequeueAfter(TimeSpan.Zero);
    }

    /// <summary>Dry run: writes the offer that would be rented and the estimated cost; rents nothing.</summary>
    private async Task<Runtime.ReconcileResult> PlanAsync(TrainingRun run, ModelFamily family, CancellationToken cancellationToken)
    {
        Vast.Offers.OfferSelectionResult selection;
        try
        {
            selection = await gpus.PlanAsync(run, family, cancellationToken).ConfigureAwait(false);
        }
        catch (Vast.VastApiException error)
        {
            return await ReportVastTroubleAsync(run, "dry run: cannot plan yet", error, cancellationToken).ConfigureAwait(false);
        }

        var training = TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset);
        var steps = (double)Math.Max(1, run.Status!.Dataset?.Images ?? 1) * run.Spec.Dataset.Repeats * training.MaxTrainEpochs / training.BatchSize;
        var hours = Math.Round(steps / 1000 * options.Value.EstimatedHoursPerThousandSteps, 2);
        var best = selection.Best;
        // What renting it would cost: for an interruptible run the bid the rent itself would place, beside the on-demand price.
        double? price = best is null ? null : Vast.Offers.OfferSelection.PricePerHour(gpus.RequirementsFor(run, family), best);
        double? onDemand = run.Spec.Gpu?.Interruptible == true ? best?.DphTotal : null;
        var plan = new PlanStatus
        {
            OfferId = best?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            GpuName = best?.GpuName,
            PricePerHour = price,
            OnDemandPricePerHour = onDemand,
            EstimatedHours = hours,
            EstimatedUsd = price is { } perHour ? Math.Round(perHour * hours, 2) : null,
            MatchingOffers = selection.Ranked.Count,
        };
        var message = best is null
            ? $"dry run: no offer matches: {selection.Summary}"
            : $"dry run: would rent {best.GpuName} at ${price:0.00}/h{(onDemand is { } od ? $" interruptible (${od:0.00}/h on demand)" : "")} for about {hours}h (${plan.EstimatedUsd:0.00}); {plan.MatchingOffers} offers match";
        await ApplyAsync(run, new PlannedInput(plan, message), cancellationToken).ConfigureAwait(false);
        return Runtime.ReconcileResult.Done;
    }

    /// <summary>The run's own Vast key, when its spec names one (calls in the scope use it).</summary>
    private async Task<VastApiKey?> RunScopeAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (run.Spec.Credentials?.Vast is null)
        {
            return null;
        }

        var (credentials, _) = await credentialResolver.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        return credentials?.Vast;
    }
}
