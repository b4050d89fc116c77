using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Storage;

namespace LoraTrainer.Dashboard.Runs;

/// <summary>Turns a TrainingRun into what the pages show; pure, apart from the file sizes it is handed.</summary>
internal static class RunPresenter
{
    /// <summary>The runs-page line of <paramref name="run"/>.</summary>
    public static RunRow Row(TrainingRun run)
    {
        var status = run.Status;
        return new RunRow(run.Metadata.NamespaceProperty, run.Metadata.Name, Phase(status?.Phase ?? TrainingPhase.Pending),
            status?.Progress?.Percent, status?.Progress?.Epoch, status?.Progress?.TotalEpochs, status?.Progress?.Loss,
            status?.Gpu?.GpuName, status?.Gpu?.PricePerHour, status?.Cost?.EstimatedUsd,
            run.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null, status?.Message);
    }

    /// <summary>The phase as <c>kubectl get tr</c> prints it (<c>pendingGpu</c>).</summary>
    public static string Phase(TrainingPhase phase) => System.Text.Json.JsonSerializer.Serialize(phase).Trim('"');

    /// <summary>
    /// The object key of each file a user may download, with the SHA-256 status records for it: the chosen LoRA, and
    /// every kept epoch (each with <c>keep: all</c>, and any whose file status records, as a run saving state keeps them).
    /// </summary>
    public static IReadOnlyList<(string Label, int? Epoch, S3Uri Uri, string? Sha256)> Files(TrainingRun run)
    {
        var files = new List<(string, int?, S3Uri, string?)>();
        var output = run.Status?.Output;
        if (output?.Uri is { } uri && S3Uri.TryParse(uri, out var chosen))
        {
            files.Add(($"chosen LoRA (epoch {output.Epoch})", output.Epoch, chosen, output.Sha256));
        }

        var keepsAll = run.Spec.Output.Keep == KeepPolicy.All;
        foreach (var epoch in run.Status?.Epochs.Where(e => e.Epoch > 0 && (e.Sha256 is not null || (keepsAll && e.Loss is not null))) ?? [])
        {
            // Agents that predate per-epoch hashes recorded only the chosen epoch's, which is the same file's.
            var sha256 = epoch.Sha256 ?? (epoch.Epoch == output?.Epoch ? output.Sha256 : null);
            files.Add(($"epoch {epoch.Epoch}", epoch.Epoch, OutputKeys.Epoch(run.Spec.Output.S3, run.Metadata.Name, epoch.Epoch), sha256));
        }

        return files;
    }

    /// <summary>The run page's document; <paramref name="sizes"/> holds the size of each file of <see cref="Files"/> that exists.</summary>
    public static RunDetail Detail(TrainingRun run, IReadOnlyList<k8s.Models.Corev1Event> events, IReadOnlyDictionary<string, long> sizes)
    {
        var status = run.Status ?? new TrainingRunStatus();
        var self = $"/runs/{Uri.EscapeDataString(run.Metadata.NamespaceProperty)}/{Uri.EscapeDataString(run.Metadata.Name)}";
        var epochs = status.Epochs.OrderBy(e => e.Epoch).Select(e => new EpochPoint(e.Epoch, e.Loss, e.ValidationLoss,
            [.. (e.Samples ?? []).Select(s => new SampleCell(s.Prompt, s.Key is null ? null : $"{self}/samples/{e.Epoch}/{s.Prompt}", s.Error))])).ToList();
        var downloads = Files(run).Select(f => new DownloadRow(f.Label, f.Epoch, f.Uri.Key,
                f.Label.StartsWith("chosen", StringComparison.Ordinal) ? $"{self}/files/lora" : $"{self}/files/{f.Epoch}",
                sizes.TryGetValue(f.Uri.Key, out var size) ? size : null, f.Sha256))
            .Where(d => d.Bytes is not null || d.Sha256 is not null)
            .ToList();
        return new RunDetail(Row(run), Timeline(run), [.. status.Conditions.Select(c => new ConditionRow(c.Type, c.Status, c.Reason, c.Message, c.LastTransitionTime))],
            status.Reason, status.Output?.Epoch, status.Output?.ChosenBy, epochs,
            [.. (run.Spec.Samples?.Prompts ?? []).Select(p => p.Prompt ?? "(the trigger word)")],
            downloads,
            [.. events.Select(e => new EventRow(e.Type ?? "Normal", e.Reason ?? "", e.Message ?? "", e.Count ?? e.Series?.Count ?? 1,
                new DateTimeOffset(DateTime.SpecifyKind(RunView.LastSeen(e), DateTimeKind.Utc))))],
            Commands(run));
    }

    private static List<TimelineEntry> Timeline(TrainingRun run)
    {
        var status = run.Status ?? new TrainingRunStatus();
        var entries = new List<TimelineEntry>();
        if (run.Metadata.CreationTimestamp is { } created)
        {
            entries.Add(new("created", new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc))));
        }

        if (status.StartTime is { } started)
        {
            entries.Add(new("accepted", started, PhaseDeadlines.Active(run)?.At, PhaseDeadlines.Active(run)?.Reason));
        }

        if (status.Gpu?.AllocatedAt is { } allocated)
        {
            entries.Add(new($"GPU rented ({status.Gpu.GpuName ?? "unknown GPU"}, attempt {Math.Max(1, status.Attempt)})", allocated));
        }

        if (status.PhaseStartTime is { } since)
        {
            var deadline = PhaseDeadlines.For(run);
            entries.Add(new($"{Phase(status.Phase)} since", since, deadline?.At, deadline?.Reason));
        }

        if (status.Gpu?.ReleasedAt is { } released)
        {
            entries.Add(new("GPU released", released));
        }

        if (status.CompletionTime is { } done)
        {
            entries.Add(new($"finished ({Phase(status.Phase)})", done));
        }

        return [.. entries.OrderBy(e => e.At)];
    }

    private static List<CommandRow> Commands(TrainingRun run)
    {
        var target = $"{run.Metadata.Name} -n {run.Metadata.NamespaceProperty}";
        var commands = new List<CommandRow> { new("Follow in a terminal", $"kubectl lora watch {target}"), new("Describe", $"kubectl lora describe {target}") };
        if (run.Status?.Output?.Uri is not null)
        {
            commands.Add(new("Download the chosen LoRA", $"kubectl lora download {target}"));
            if (run.Spec.Output.Keep == KeepPolicy.All && run.Status.Output.Epoch is { } epoch)
            {
                commands.Add(new("Download one epoch", $"kubectl lora download {target} --epoch {epoch}"));
            }
        }

        if (!PhaseMachine.IsTerminal(run))
        {
            commands.Add(new("Stop, keeping the best epoch so far", $"kubectl lora stop {target}"));
        }

        commands.Add(new("Delete", $"kubectl lora delete {target}"));
        return commands;
    }
}
