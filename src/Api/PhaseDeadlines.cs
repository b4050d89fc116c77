namespace LoraTrainer.Api;

/// <summary>A point in time by which something must have happened, and what to say when it has not.</summary>
public sealed record Deadline(DateTimeOffset At, string Reason);

/// <summary>The deadline of a run's current phase, from <c>runPolicy.deadlines</c>; a pure function.</summary>
public static class PhaseDeadlines
{
    /// <summary>When the current phase must end, or null when the phase has no deadline.</summary>
    public static Deadline? For(TrainingRun run)
    {
        var status = run.Status;
        if (status?.PhaseStartTime is not { } since)
        {
            return null;
        }

        var deadlines = run.Spec.RunPolicy?.Deadlines ?? new DeadlinesSpec();
        return status.Phase switch
        {
            TrainingPhase.PendingGpu => After(since, deadlines.PendingGpu, Defaults.PendingGpu, d => $"the GPU did not report ready within {d}"),
            TrainingPhase.PendingImages => After(since, deadlines.PendingImages, Defaults.PendingImages, d => $"the images were not downloaded within {d}"),
            TrainingPhase.PendingModel => After(since, deadlines.PendingModel, Defaults.PendingModel, d => $"the base model was not ready within {d}"),
            TrainingPhase.Training => After(Later(since, status.LastHeartbeatTime), deadlines.Heartbeat, Defaults.Heartbeat, d => $"no word from the agent for {d}"),
            TrainingPhase.Interrupted => After(since, deadlines.Interrupted, Defaults.Interrupted, d => $"Vast did not resume the paused instance within {d}"),
            _ => null,
        };
    }

    /// <summary>The wall-clock limit of the whole run (<c>activeDeadlineSeconds</c>), or null.</summary>
    public static Deadline? Active(TrainingRun run) =>
        run.Status?.StartTime is { } start && run.Spec.RunPolicy?.ActiveDeadlineSeconds is { } seconds
            ? new Deadline(start.AddSeconds(seconds), $"the run exceeded activeDeadlineSeconds ({seconds}s)")
            : null;

    /// <summary>How long a paused interruptible instance is waited for: <c>runPolicy.deadlines.interrupted</c>.</summary>
    public static TimeSpan InterruptedWait(TrainingRun run) => Span(run.Spec.RunPolicy?.Deadlines?.Interrupted, Defaults.Interrupted);

    private static readonly DeadlinesSpec Defaults = new();

    /// <remarks>The operator refuses a spec whose durations do not parse; the default is only a guard for an old object.</remarks>
    private static Deadline After(DateTimeOffset since, string? duration, string fallback, Func<string, string> reason)
    {
        var span = Span(duration, fallback);
        return new Deadline(since + span, reason(Duration.Format(span)));
    }

    private static TimeSpan Span(string? duration, string fallback) => Duration.TryParse(duration, out var parsed) ? parsed : Duration.Parse(fallback);

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b is { } other && other > a ? other : a;
}
