using System.Globalization;

namespace LoraTrainer.Api;

/// <summary>The outcome of applying one input: the new status, and whether the input changed anything.</summary>
/// <param name="Status">The status after the input (the old one when not accepted).</param>
/// <param name="Accepted">False when the input was stale, out of order or arrived after a terminal phase.</param>
/// <param name="Ignored">Why an input was not accepted, for logs.</param>
public sealed record PhaseResult(TrainingRunStatus Status, bool Accepted, string? Ignored = null)
{
    /// <summary>Whether the phase differs from <paramref name="before"/>.</summary>
    public bool PhaseChanged(TrainingRunStatus? before) => before?.Phase != Status.Phase;
}

/// <summary>
/// The TrainingRun state machine as one pure function, <c>(run, input, now) → status'</c>. The receiver
/// applies agent events through it and the reconciler applies its own observations; nobody else writes a phase.
/// </summary>
/// <remarks>
/// Phases only move forward: pending → pendingGpu → pendingImages → pendingModel → training → completed,
/// any GPU-holding phase → stalled, any non-terminal phase → failed. A paused interruptible instance moves the run
/// to interrupted and, resumed, back to the phase it left; agent events meanwhile apply to that phase. A stall with retries left
/// (<c>stalls ≤ backoffLimit</c>) re-enters pendingGpu on the next allocation with <c>attempt + 1</c>.
/// </remarks>
public static class PhaseMachine
{
    // The wire name of the protocol's validation-loss metric (the API does not reference the protocol).
    private const string ValidationLossMetric = "validationLoss";

    // The protocol's failed-event stage of an agent told to finish early before it saved any epoch.
    private const string FinishStage = "finish";

    /// <summary>The condition reason of a run ended by <c>spec.finish</c>, completed or (with nothing saved) failed.</summary>
    public const string FinishedEarlyReason = "FinishedEarly";

    /// <summary>Applies <paramref name="input"/> to <paramref name="run"/>'s status at <paramref name="now"/>.</summary>
    public static PhaseResult Apply(TrainingRun run, PhaseInput input, DateTimeOffset now)
    {
        now = Time.Truncate(now);
        var status = run.Status ?? new TrainingRunStatus();
        var backoffLimit = BackoffLimitOf(run);

        if (input is not AcceptedInput && run.Status is null)
        {
            return new PhaseResult(status, false, "the run has not been accepted yet");
        }

        if (IsTerminal(status, backoffLimit))
        {
            return new PhaseResult(status, false, $"the run is {status.Phase.ToWireName()}");
        }

        if (input is AgentInput agent)
        {
            if (agent.Attempt != status.Attempt)
            {
                return new PhaseResult(status, false, $"event for attempt {agent.Attempt}, current is {status.Attempt}");
            }

            if (agent.Seq <= status.LastEventSeq)
            {
                return new PhaseResult(status, false, $"seq {agent.Seq} already seen (last {status.LastEventSeq})");
            }
        }

        var next = input switch
        {
            AcceptedInput => Accept(status, now),
            GpuAllocatedInput allocated => Allocate(status, allocated, backoffLimit, now),
            StallInput stall => Stall(status, stall, backoffLimit, now),
            FailInput fail => Enter(status, TrainingPhase.Failed, now, fail.Reason) with { Reason = fail.ConditionReason },
            PlannedInput planned => status.Phase == TrainingPhase.Pending && !status.Suspended
                ? status with { Plan = planned.Plan, Message = planned.Message, Reason = "DryRun" }
                : null,
            UploadVerifiedInput => Verify(status, now),
            InterruptedInput interrupted => Interrupt(status, interrupted, now),
            InstanceResumedInput => Resume(status, now),
            SuspendInput => Suspend(status, now),
            FinishEarlyInput finish => FinishEarly(status, finish, now),
            ResumeInput => status.Suspended ? status with { Suspended = false, Message = "resumed; preparing the dataset" } : null,
            AgentInput evt => ApplyAgentEvent(status, evt, now),
            _ => null,
        };

        if (next is null)
        {
            return new PhaseResult(status, false, $"{Describe(input)} does not apply in phase {status.Phase.ToWireName()}");
        }

        if (input is AgentInput accepted)
        {
            next = next with { LastEventSeq = accepted.Seq, LastHeartbeatTime = now };
        }

        next = WithConditions(next, run.Metadata?.Generation, backoffLimit, now);
        return new PhaseResult(next, true);
    }

    /// <summary>The run's <c>runPolicy.backoffLimit</c>, or its default when the policy is omitted.</summary>
    public static int BackoffLimitOf(TrainingRun run) => run.Spec.RunPolicy?.BackoffLimit ?? new RunPolicySpec().BackoffLimit;

    /// <summary>Whether the run is completed, failed, or stalled with no retries left.</summary>
    public static bool IsTerminal(TrainingRun run) => IsTerminal(run.Status, BackoffLimitOf(run));

    /// <summary>Completed, failed, or stalled with no retries left.</summary>
    /// <remarks>
    /// A stall that ended the run keeps its <c>completionTime</c>, so raising <c>backoffLimit</c> afterwards does not
    /// bring a finished run back to life (as with a Kubernetes Job); lowering it during a retry ends the run.
    /// </remarks>
    public static bool IsTerminal(TrainingRunStatus? status, int backoffLimit) => status?.Phase switch
    {
        TrainingPhase.Completed or TrainingPhase.Failed => true,
        TrainingPhase.Stalled => !HasRetriesLeft(status, backoffLimit),
        _ => false,
    };

    /// <summary>When a terminal run finished: its <c>completionTime</c>, or when it stalled for good.</summary>
    public static DateTimeOffset? FinishedAt(TrainingRun run) =>
        IsTerminal(run) ? run.Status!.CompletionTime ?? run.Status.PhaseStartTime : null;

    /// <summary>Whether a stalled run may be retried on another machine.</summary>
    public static bool HasRetriesLeft(TrainingRunStatus status, int backoffLimit) =>
        status.Stalls <= backoffLimit && !(status.Phase == TrainingPhase.Stalled && status.CompletionTime is not null);

    private static TrainingRunStatus? Accept(TrainingRunStatus status, DateTimeOffset now) =>
        status.StartTime is not null
            ? null
            : status with { Phase = TrainingPhase.Pending, PhaseStartTime = now, StartTime = now, Message = "accepted; preparing the dataset" };

    private static TrainingRunStatus? Allocate(TrainingRunStatus status, GpuAllocatedInput input, int backoffLimit, DateTimeOffset now)
    {
        var retry = status.Phase == TrainingPhase.Stalled && HasRetriesLeft(status, backoffLimit);
        if ((status.Phase != TrainingPhase.Pending && !retry) || status.Suspended)
        {
            return null;
        }

        var gpu = input.Gpu with { AllocatedAt = input.Gpu.AllocatedAt ?? now, ReleasedAt = null };
        var message = $"waiting for {gpu.GpuName ?? "the GPU"} (instance {gpu.InstanceId}) to start";
        return Enter(status, TrainingPhase.PendingGpu, now, message) with
        {
            Attempt = status.Attempt + 1,
            Gpu = gpu,
            LastEventSeq = 0,
            Progress = null,
            // The attempt continues after the newest saved state: the epochs up to it are trained and stay in the curve.
            Epochs = [.. status.Epochs.Where(e => e.Epoch <= (status.Resume?.Epoch ?? 0))],
            Output = null,
            LastHeartbeatTime = null,
            Interruption = null,
        };
    }

    private static TrainingRunStatus? Interrupt(TrainingRunStatus status, InterruptedInput input, DateTimeOffset now) =>
        status.Phase.HoldsGpu() && status.Phase != TrainingPhase.Interrupted
            ? Enter(status, TrainingPhase.Interrupted, now, input.Reason) with
            {
                Reason = "Interrupted",
                Interruption = new InterruptionStatus { PausedAt = now, Phase = status.Phase },
            }
            : null;

    /// <remarks>The phase the run returns to starts afresh, so its deadline counts from the resume.</remarks>
    private static TrainingRunStatus? Resume(TrainingRunStatus status, DateTimeOffset now)
    {
        if (status is not { Phase: TrainingPhase.Interrupted, Interruption: { } interruption })
        {
            return null;
        }

        var paused = interruption.PausedAt is { } at ? $" after {Duration.Format(now - at)}" : "";
        return Enter(status, interruption.Phase, now, $"the instance resumed{paused}; {interruption.Phase.ToWireName()} on the same machine") with
        {
            Interruption = interruption with { ResumedAt = now },
            // The pause ends here; status.cost prices it at the instance's storage alone.
            Gpu = status.Gpu is { } gpu && interruption.PausedAt is { } from
                ? gpu with { PausedSeconds = (gpu.PausedSeconds ?? 0) + Math.Max(0, (now - from).TotalSeconds) }
                : status.Gpu,
        };
    }

    /// <summary>
    /// An agent event while interrupted (sent before the container stopped, or by the agent restarted in place) applies
    /// to the phase the run returns to; the run stays interrupted until the operator sees the instance running.
    /// </summary>
    private static TrainingRunStatus? ApplyWhileInterrupted(TrainingRunStatus status, InterruptionStatus interruption, AgentInput input, DateTimeOffset now)
    {
        var applied = ApplyAgentEvent(status with { Phase = interruption.Phase }, input, now);
        if (applied is null || applied.Phase == TrainingPhase.Failed)
        {
            return applied;
        }

        return applied with
        {
            Phase = TrainingPhase.Interrupted,
            PhaseStartTime = status.PhaseStartTime,
            Message = status.Message,
            Reason = status.Reason,
            Interruption = interruption with { Phase = applied.Phase },
        };
    }

    private static TrainingRunStatus? Stall(TrainingRunStatus status, StallInput input, int backoffLimit, DateTimeOffset now)
    {
        if (!status.Phase.HoldsGpu())
        {
            return null;
        }

        var excluded = input.MachineId is { Length: > 0 } machine && !status.ExcludedMachines.Contains(machine)
            ? [.. status.ExcludedMachines, machine]
            : status.ExcludedMachines;
        var stalled = status with { ExcludedMachines = excluded, Stalls = status.Stalls + 1 };
        var retry = HasRetriesLeft(stalled, backoffLimit);
        var message = retry
            ? $"{input.Reason}; retrying on another machine (retry {stalled.Stalls} of {backoffLimit})"
            : $"{input.Reason}; no retries left (backoffLimit {backoffLimit})";
        var next = Enter(stalled, TrainingPhase.Stalled, now, message);
        return retry ? next with { CompletionTime = null } : next;
    }

    /// <remarks>The one move backwards, and only at the user's request: a suspended run holds no GPU.</remarks>
    private static TrainingRunStatus? Suspend(TrainingRunStatus status, DateTimeOffset now) =>
        status.Suspended
            ? null
            : Enter(status, TrainingPhase.Pending, now, "suspended (runPolicy.suspend); no GPU is rented until it is cleared") with
            {
                Suspended = true,
                LastEventSeq = 0,
                Progress = null,
                Output = null,
            };

    /// <remarks>
    /// Training runs are finished by their agent, which holds the saved epochs. In any other phase only the epochs earlier
    /// attempts kept in the bucket are saved: the best of them, copied to the output, completes the run.
    /// </remarks>
    private static TrainingRunStatus? FinishEarly(TrainingRunStatus status, FinishEarlyInput input, DateTimeOffset now)
    {
        if (status.Phase == TrainingPhase.Training)
        {
            return null;
        }

        var finished = input.Kept is { } output
            ? Enter(status, TrainingPhase.Completed, now, FinishedEarly(output)) with { Output = output with { FinishedEarly = true } }
            : Enter(status, TrainingPhase.Failed, now,
                $"finished early (spec.finish: now) while {status.Phase.ToWireName()}, before any epoch was saved: there is nothing to keep");
        // The run is over; "suspended" would tell an older story in its conditions.
        return finished with { Reason = FinishedEarlyReason, Suspended = false };
    }

    private static string FinishedEarly(OutputStatus output) =>
        $"finished early (spec.finish: now): epoch {output.Epoch} (loss {Format(output.Loss)}), the best saved, at {output.Uri}";

    /// <remarks>
    /// An agent restarted in place on a resumed instance may report its output, and exit, before the operator has seen
    /// the instance running again: the verified output ends the pause as the resume would have, then completes the run.
    /// </remarks>
    private static TrainingRunStatus? Verify(TrainingRunStatus status, DateTimeOffset now)
    {
        if (status.WorkPhase() != TrainingPhase.Training || status.Output is not { Uri: not null } reported)
        {
            return null;
        }

        if (status.Phase == TrainingPhase.Interrupted)
        {
            status = Resume(status, now)!;
        }

        var output = reported with { VerifiedAt = now };
        if (output.FinishedEarly == true)
        {
            return Enter(status, TrainingPhase.Completed, now, FinishedEarly(output)) with { Output = output, Reason = FinishedEarlyReason };
        }

        var message = $"completed: epoch {output.Epoch} (loss {Format(output.Loss)}) at {output.Uri}";
        return Enter(status, TrainingPhase.Completed, now, message) with { Output = output, Progress = Finished(status.Progress, now) };
    }

    private static TrainingRunStatus? ApplyAgentEvent(TrainingRunStatus status, AgentInput input, DateTimeOffset now) => (status.Phase, input) switch
    {
        (TrainingPhase.Interrupted, _) when status.Interruption is { } interruption => ApplyWhileInterrupted(status, interruption, input, now),
        (TrainingPhase.PendingGpu, GpuReadyInput ready) => Enter(status, TrainingPhase.PendingImages, now,
            $"GPU ready ({ready.GpuName ?? status.Gpu?.GpuName}); downloading images") with
        {
            Gpu = status.Gpu is null ? null : status.Gpu with { GpuName = ready.GpuName ?? status.Gpu.GpuName },
        },
        (TrainingPhase.PendingImages, ImagesDownloadedInput images) => Enter(status, TrainingPhase.PendingModel, now,
            $"{images.Images} images downloaded; downloading the base model"),
        (TrainingPhase.PendingModel, ModelDownloadedInput model) => status with
        {
            Model = (status.Model ?? new ModelStatus()) with { Bytes = model.Bytes, Sha256 = model.Sha256 ?? status.Model?.Sha256 },
            Message = "base model downloaded; preparing the trainer",
        },
        (TrainingPhase.PendingModel, ReadyInput ready) => Enter(status, TrainingPhase.Training, now, TrainingStarted(status, ready)) with
        {
            // Kept in status.resume (not only the message, which progress overwrites): the user paid again for those epochs.
            Resume = ready.StateProblem is { } problem ? (status.Resume ?? new ResumeStatus()) with { Problem = problem } : status.Resume,
        },
        (TrainingPhase.Training, ProgressInput progress) => status with
        {
            Progress = new ProgressStatus
            {
                Percent = Math.Clamp(progress.Percent, 0, 100),
                Epoch = progress.Epoch,
                TotalEpochs = progress.TotalEpochs,
                Step = progress.Step,
                TotalSteps = progress.TotalSteps,
                Loss = progress.Loss,
                EtaSeconds = progress.EtaSeconds,
                UpdatedAt = now,
            },
            Message = $"epoch {progress.Epoch}/{progress.TotalEpochs}, loss {Format(progress.Loss)}",
        },
        (TrainingPhase.Training, EpochCompletedInput epoch) => status with
        {
            Epochs = Upsert(status.Epochs, epoch.Epoch, e => e with { Loss = epoch.Loss, ValidationLoss = epoch.ValidationLoss }),
        },
        (TrainingPhase.Training, EpochUploadedInput kept) => status with
        {
            Epochs = Upsert(status.Epochs, kept.Epoch, e => e with { Bytes = kept.Bytes, Sha256 = kept.Sha256 }),
        },
        (TrainingPhase.Training, SamplesUploadedInput samples) => status with
        {
            Epochs = Upsert(status.Epochs, samples.Epoch, e => e with { Samples = [.. samples.Samples.OrderBy(s => s.Prompt)] }),
        },
        // Only parts sent to the upload the operator holds open can be completed; any other report is stale.
        (TrainingPhase.Training, StateSavedInput saved) when status.Resume?.Upload?.UploadId == saved.State.UploadId && status.Resume.Upload.Key == saved.State.Key
            && (status.Resume.Epoch ?? 0) < saved.State.Epoch => status with
        {
            Resume = status.Resume with { Saved = saved.State },
        },
        (TrainingPhase.Training, TrainingCompletedInput done) => status with
        {
            Epochs = Merge(status.Epochs, done.Epochs),
            Message = done.Metric == ValidationLossMetric
                ? $"training finished; uploading epoch {done.BestEpoch} (lowest validation loss)"
                : $"training finished; uploading epoch {done.BestEpoch}",
        },
        (TrainingPhase.Training, UploadedInput uploaded) => status with
        {
            Output = new OutputStatus
            {
                Uri = uploaded.Uri, Epoch = uploaded.Epoch, Loss = uploaded.Loss, Metric = uploaded.Metric, ChosenBy = OutputChoosers.Metric,
                Bytes = uploaded.Bytes, Sha256 = uploaded.Sha256, FinishedEarly = uploaded.FinishedEarly ? true : null,
            },
            Message = $"epoch {uploaded.Epoch} uploaded; verifying it in S3",
        },
        (var phase, ModelCachedInput cached) when phase.HoldsGpu() => WithCacheFile(status, cached.Key, f => f.Cache is ModelCacheStates.Filling or ModelCacheStates.Failed
            ? f with
            {
                Cache = cached.Parts is { Count: > 0 } ? ModelCacheStates.Uploaded : ModelCacheStates.Failed,
                UploadId = cached.UploadId ?? f.UploadId,
                Parts = cached.Parts is { Count: > 0 } ? cached.Parts : null,
                CacheError = cached.Parts is { Count: > 0 } ? null : cached.Error ?? "the agent could not send it",
            }
            : f),
        (var phase, ModelCacheRejectedInput rejected) when phase.HoldsGpu() => WithCacheFile(status, rejected.Key, f => f with
        {
            FromCache = false,
            Cache = ModelCacheStates.Rejected,
            CacheError = $"the cached object's SHA-256 is {rejected.Sha256 ?? "different"}, not the file's; downloaded from the source instead",
        }),
        (var phase, AgentFailedInput failed) when phase.HoldsGpu() => Enter(status, TrainingPhase.Failed, now, $"{failed.Stage}: {failed.Reason}") with
        {
            Reason = failed.Stage == FinishStage ? FinishedEarlyReason : "AgentFailed",
        },
        (var phase, HeartbeatInput) when phase.HoldsGpu() => status,
        _ => null,
    };

    /// <summary>The status with the model file cached at <paramref name="key"/> changed; null (ignored) when no file is.</summary>
    private static TrainingRunStatus? WithCacheFile(TrainingRunStatus status, string key, Func<ModelFileStatus, ModelFileStatus> change)
    {
        if (status.Model is not { } model || !model.Files.Any(f => ModelCacheStates.IsAt(f, key)))
        {
            return null;
        }

        return status with { Model = model with { Files = [.. model.Files.Select(f => ModelCacheStates.IsAt(f, key) ? change(f) : f)] } };
    }

    private static TrainingRunStatus Enter(TrainingRunStatus status, TrainingPhase phase, DateTimeOffset now, string message)
    {
        var terminal = phase is TrainingPhase.Completed or TrainingPhase.Failed or TrainingPhase.Stalled;
        return status with
        {
            Phase = phase,
            PhaseStartTime = now,
            Message = message,
            Reason = null,
            CompletionTime = terminal ? now : status.CompletionTime,
        };
    }

    /// <summary>
    /// <paramref name="status"/>, written by the operator outside a phase input (a message, the cost, the plan cleared),
    /// with its conditions and <c>observedGeneration</c> brought up to date, so they never tell an older story.
    /// </summary>
    public static TrainingRunStatus Refresh(TrainingRun run, TrainingRunStatus status, DateTimeOffset now) =>
        WithConditions(status, run.Metadata?.Generation, BackoffLimitOf(run), Time.Truncate(now));

    private static TrainingRunStatus WithConditions(TrainingRunStatus status, long? generation, int backoffLimit, DateTimeOffset now) =>
        status with
        {
            ObservedGeneration = generation ?? status.ObservedGeneration,
            Conditions = Conditions.Merge(status.Conditions, PhaseConditions.For(status, backoffLimit, generation), now),
        };

    private static string TrainingStarted(TrainingRunStatus status, ReadyInput ready) =>
        $"training on {status.Gpu?.GpuName ?? "the GPU"}" + (ready.StateProblem is { } problem ? $"; {problem}"
            : ready.ResumedEpoch is { } epoch ? $", continuing after epoch {epoch} from the saved state" : "");

    // Losses reported at the end replace those reported per epoch; the sample keys recorded per epoch stay.
    private static IReadOnlyList<EpochLoss> Merge(IReadOnlyList<EpochLoss> known, IReadOnlyList<EpochLoss> reported) =>
        reported.Aggregate(known, (epochs, r) => Upsert(epochs, r.Epoch, e => e with { Loss = r.Loss, ValidationLoss = r.ValidationLoss }));

    /// <summary>The epochs with <paramref name="epoch"/>'s entry (a new one when missing) changed by <paramref name="change"/>, in epoch order.</summary>
    private static IReadOnlyList<EpochLoss> Upsert(IReadOnlyList<EpochLoss> epochs, int epoch, Func<EpochLoss, EpochLoss> change)
    {
        var entry = change(epochs.FirstOrDefault(e => e.Epoch == epoch) ?? new EpochLoss { Epoch = epoch });
        return [.. epochs.Where(e => e.Epoch != epoch).Append(entry).OrderBy(e => e.Epoch)];
    }

    private static ProgressStatus Finished(ProgressStatus? progress, DateTimeOffset now) =>
        (progress ?? new ProgressStatus()) with { Percent = 100, Epoch = progress?.TotalEpochs ?? progress?.Epoch, EtaSeconds = 0, UpdatedAt = now };

    private static string Format(double? loss) => loss?.ToString("0.####", CultureInfo.InvariantCulture) ?? "n/a";

    private static string Describe(PhaseInput input) => input.GetType().Name.Replace("Input", "", StringComparison.Ordinal);
}
