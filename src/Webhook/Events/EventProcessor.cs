using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Protocol;
using LoraTrainer.Webhook.Runs;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Webhook.Events;

/// <summary>What became of an authenticated event: the HTTP status, the metric outcome, and the acknowledgement or error.</summary>
internal sealed record EventDecision(int Status, string Outcome, EventAck? Ack = null, string? Error = null)
{
    /// <summary>
    /// The answer to an event of <paramref name="run"/>, which tells its agent when the user asked the run to finish
    /// early: the agent hears nothing else from the cluster while it trains.
    /// </summary>
    public static EventDecision Answered(bool accepted, TrainingPhase phase, TrainingRun run) =>
        new(StatusCodes.Status200OK, accepted ? "accepted" : "ignored", new EventAck
        {
            Accepted = accepted,
            Phase = phase.ToWireName(),
            Finish = run.Spec.Finish is FinishRequest.Now ? FinishRequests.Now : null,
        });

    public static EventDecision Invalid(string error) => new(StatusCodes.Status400BadRequest, "invalid", Error: error);
}

/// <summary>
/// Applies one signed event to its run, in order: the event must be well formed (400); a run in a terminal phase
/// ignores everything (200); an upload must name one of the run's own output keys (400); then the phase machine
/// decides, and an attempt the operator has not recorded yet is answered 409 so the agent sends it again.
/// </summary>
internal sealed class EventProcessor(RunStatusUpdater updater, RunSecretReader secrets, ILogger<EventProcessor> logger)
{
    /// <summary>The decision for <paramref name="evt"/>; null when the run does not exist (answered as unauthorized).</summary>
    public async Task<EventDecision?> ProcessAsync(ResourceKey key, AgentEvent evt, string kind, CancellationToken cancellationToken)
    {
        var run = await updater.ReadRunAsync(key, refresh: false, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return null;
        }

        var (input, error) = EventTranslator.Translate(evt, run);
        if (input is null)
        {
            return EventDecision.Invalid(error!);
        }

        if (PhaseMachine.IsTerminal(run))
        {
            return Ignored(key, kind, evt, run.Status!.Phase, run);
        }

        if (input is UploadedInput && await UploadRefusalAsync(key, evt, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            ReceiverLog.Refused(logger, key.ToString(), "an upload outside the run's output keys");
            return refusal;
        }

        if (input is EpochUploadedInput kept && await EpochKeyRefusalAsync(key, kept, evt.Key!, cancellationToken).ConfigureAwait(false) is { } keyRefusal)
        {
            ReceiverLog.Refused(logger, key.ToString(), "an epoch file outside the run's epoch keys");
            return keyRefusal;
        }

        if (input is SamplesUploadedInput samples && await SampleRefusalAsync(key, samples, cancellationToken).ConfigureAwait(false) is { } sampleRefusal)
        {
            ReceiverLog.Refused(logger, key.ToString(), "sample images outside the run's sample keys");
            return sampleRefusal;
        }

        var outcome = await updater.ApplyAsync(key, run, input, cancellationToken).ConfigureAwait(false);
        if (!outcome.Accepted && evt.Attempt != (run.Status?.Attempt ?? 0))
        {
            // The cached run may predate a retry the reconciler just started (or the run's end): look again before refusing.
            run = await updater.ReadRunAsync(key, refresh: true, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                return null;
            }

            if (PhaseMachine.IsTerminal(run))
            {
                return Ignored(key, kind, evt, run.Status!.Phase, run);
            }

            outcome = await updater.ApplyAsync(key, run, EventTranslator.Translate(evt, run).Input!, cancellationToken).ConfigureAwait(false);
        }

        if (!outcome.Accepted && evt.Attempt > (run.Status?.Attempt ?? 0))
        {
            // The agent started before the operator recorded the rent that started it: refusing would lose the event
            // (the agent does not send it again), so ask for it again shortly. A terminal run never gets here.
            return new EventDecision(StatusCodes.Status409Conflict, "early",
                Error: $"attempt {evt.Attempt} is not recorded on the run yet; retry with the same seq");
        }

        if (!outcome.Accepted)
        {
            return Ignored(key, kind, evt, outcome.Phase, run);
        }

        if (!outcome.Coalesced && run.Status?.Phase != outcome.Phase)
        {
            ReceiverLog.PhaseChanged(logger, key.ToString(), kind, evt.Seq, outcome.Phase.ToWireName());
        }

        return EventDecision.Answered(true, outcome.Phase, run);
    }

    /// <summary>Acknowledges an event that changes nothing (a repeated or older seq, an older attempt, a finished run), and says so at debug level.</summary>
    private EventDecision Ignored(ResourceKey key, string kind, AgentEvent evt, TrainingPhase phase, TrainingRun run)
    {
        ReceiverLog.Ignored(logger, key.ToString(), kind, evt.Seq);
        return EventDecision.Answered(false, phase, run);
    }

    /// <summary>
    /// An <c>uploaded</c> event may only name a key the operator presigned for this run (its config's outputs): the
    /// receiver builds <c>status.output</c> from it, and a host holding the token must not point the run at another object.
    /// </summary>
    private async Task<EventDecision?> UploadRefusalAsync(ResourceKey key, AgentEvent evt, CancellationToken cancellationToken)
    {
        var allowed = await secrets.UploadKeysAsync(key.Namespace!, key.Name, cancellationToken).ConfigureAwait(false);
        if (allowed is null)
        {
            return new EventDecision(StatusCodes.Status503ServiceUnavailable, "error",
                Error: "the run's config is not available to check the upload against; retry with the same seq");
        }

        return allowed.Contains(evt.Key!)
            ? null
            : EventDecision.Invalid($"uploaded key '{Truncate(evt.Key!)}' is not one of this run's output keys");
    }

    /// <summary>
    /// An <c>epochUploaded</c> event must name the key the operator presigned for that very epoch: status records the
    /// hash as the epoch's file's, and the dashboard and <c>kubectl lora download</c> check that file against it.
    /// </summary>
    private async Task<EventDecision?> EpochKeyRefusalAsync(ResourceKey key, EpochUploadedInput kept, string reported, CancellationToken cancellationToken)
    {
        var keys = await secrets.EpochKeysAsync(key.Namespace!, key.Name, cancellationToken).ConfigureAwait(false);
        if (keys is null)
        {
            return new EventDecision(StatusCodes.Status503ServiceUnavailable, "error",
                Error: "the run's config is not available to check the epoch's file against; retry with the same seq");
        }

        return keys.TryGetValue(kept.Epoch, out var expected) && expected == reported
            ? null
            : EventDecision.Invalid($"epochUploaded key '{Truncate(reported)}' is not this run's key for epoch {kept.Epoch}");
    }

    /// <summary>Sample images may only name keys the operator presigned for this run's samples: status lists them for the user to open.</summary>
    private async Task<EventDecision?> SampleRefusalAsync(ResourceKey key, SamplesUploadedInput samples, CancellationToken cancellationToken)
    {
        var keys = samples.Samples.Select(s => s.Key).OfType<string>().ToList();
        if (keys.Count == 0)
        {
            return null;
        }

        var allowed = await secrets.SampleKeysAsync(key.Namespace!, key.Name, cancellationToken).ConfigureAwait(false);
        if (allowed is null)
        {
            return new EventDecision(StatusCodes.Status503ServiceUnavailable, "error",
                Error: "the run's config is not available to check the samples against; retry with the same seq");
        }

        return keys.FirstOrDefault(k => !allowed.Contains(k)) is { } stranger
            ? EventDecision.Invalid($"sample key '{Truncate(stranger)}' is not one of this run's sample keys")
            : null;
    }

    private static string Truncate(string text) => text.Length <= 256 ? text : text[..256] + "…";
}
