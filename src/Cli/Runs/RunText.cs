using System.Globalization;
using LoraTrainer.Api;

namespace LoraTrainer.Cli.Runs;

/// <summary>How a run reads in a line of text, shared by the plain and the live view and by <c>list</c>.</summary>
internal static class RunText
{
    private const string Bars = "▁▂▃▄▅▆▇█";

    /// <summary>The phase as <c>kubectl get</c> shows it: <c>pendingGpu</c>, <c>training</c>…</summary>
    public static string Phase(TrainingRun run) =>
        run.Status is null ? "pending" : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(run.Status.Phase.ToString());

    /// <summary>e.g. <c>training 40% epoch 4/10 step 160/400 loss 0.0931 eta 2m10s | RTX 4090 $0.41/h | cost $0.0220</c>.</summary>
    public static string Progress(TrainingRun run)
    {
        var status = run.Status;
        var parts = new List<string> { Phase(run) };
        if (status?.Progress is { } p)
        {
            parts.Add($"{p.Percent}%");
            if (p.Epoch is { } epoch)
            {
                parts.Add($"epoch {epoch}/{p.TotalEpochs?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
            }

            if (p.Step is { } step)
            {
                parts.Add($"step {step}/{p.TotalSteps?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
            }

            if (p.Loss is { } loss)
            {
                parts.Add(Invariant($"loss {loss:0.0000}"));
            }

            if (p.EtaSeconds is { } eta)
            {
                parts.Add($"eta {Duration(TimeSpan.FromSeconds(eta))}");
            }
        }

        if (status?.Gpu is { GpuName: { } gpu } g)
        {
            parts.Add(Invariant($"| {gpu} ${g.PricePerHour ?? 0:0.00}/h"));
        }

        if (status?.Cost is { } cost)
        {
            parts.Add(Invariant($"| cost ${cost.EstimatedUsd:0.0000}"));
        }

        return string.Join(' ', parts);
    }

    /// <summary>One bar per epoch, lowest loss lowest: how the loss went at a glance.</summary>
    public static string Sparkline(IReadOnlyList<EpochLoss> epochs)
    {
        var losses = epochs.Where(e => e.Epoch > 0 && e.Loss is not null).Select(e => e.Loss!.Value).ToList();
        if (losses.Count == 0)
        {
            return "";
        }

        var (min, max) = (losses.Min(), losses.Max());
        return new string([.. losses.Select(l => Bars[max == min ? 0 : (int)Math.Round((l - min) / (max - min) * (Bars.Length - 1))])]);
    }

    /// <summary>The sample image keys in the order they arrived: by epoch, then prompt.</summary>
    public static IEnumerable<(int Epoch, string Key)> Samples(TrainingRun run) =>
        (run.Status?.Epochs ?? []).SelectMany(e => (e.Samples ?? []).Where(s => s.Key is not null).Select(s => (e.Epoch, s.Key!)));

    /// <summary>The closing line of a finished run.</summary>
    public static string Outcome(TrainingRun run)
    {
        var status = run.Status!;
        return status.Phase == TrainingPhase.Completed && status.Output is { } output
            ? Invariant($"completed: epoch {output.Epoch} (loss {output.Loss:0.0000}) at {output.Uri}, {output.Bytes} bytes, cost ${status.Cost?.EstimatedUsd ?? 0:0.0000}")
            : $"{Phase(run)}: {status.Message}";
    }

    public static string Duration(TimeSpan span) => span.TotalHours >= 1
        ? $"{(int)span.TotalHours}h{span.Minutes:00}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds:00}s" : $"{span.Seconds}s";

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
