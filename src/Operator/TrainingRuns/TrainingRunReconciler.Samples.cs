using System.Collections.Concurrent;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class TrainingRunReconciler
{
    // Per run: the attempt and the sampled epochs already announced by an Event.
    private readonly ConcurrentDictionary<ResourceKey, (int Attempt, HashSet<int> Epochs)> _announcedSamples = new();

    /// <summary>
    /// Records a <c>SamplesUploaded</c> Event for each epoch whose sample images the receiver has written to status
    /// since the last look (a warning when one failed). The first sight of a run after a start is only remembered.
    /// </summary>
    private async Task NoteSamplesAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (run.Status is not { } status)
        {
            return;
        }

        var key = ResourceKey.Of(run);
        var sampled = status.Epochs.Where(e => e.Samples is { Count: > 0 }).ToList();
        var first = !_announcedSamples.TryGetValue(key, out var known) || known.Attempt != status.Attempt;
        var announced = first ? [] : known.Epochs;
        _announcedSamples[key] = (status.Attempt, [.. sampled.Select(e => e.Epoch)]);
        if (first && known.Epochs is null)
        {
            return;
        }

        foreach (var epoch in sampled.Where(e => !announced.Contains(e.Epoch)))
        {
            var failed = epoch.Samples!.Where(s => s.Error is not null).ToList();
            var where = OutputKeys.SampleFolder(run.Spec.Output.S3, run.Metadata.Name);
            var message = $"{(epoch.Epoch == 0 ? "before training" : $"epoch {epoch.Epoch}")}: {epoch.Samples!.Count - failed.Count} sample images at {where}"
                + (failed.Count == 0 ? "" : $"; failed: {string.Join(", ", failed.Select(f => $"prompt {f.Prompt} ({f.Error})"))}");
            await (failed.Count == 0
                ? events.NormalAsync(run, "SamplesUploaded", message, cancellationToken)
                : events.WarningAsync(run, "SamplesUploaded", message, cancellationToken)).ConfigureAwait(false);
        }
    }

    /// <summary>A completed run whose <c>spec.output.selectedEpoch</c> its output does not hold yet: copy it there, or say why not.</summary>
    private async Task<TrainingRun> SelectEpochAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var outcome = await selection.ApplyAsync(run, cancellationToken).ConfigureAwait(false);
        if (outcome.Output is not { } output)
        {
            return await WriteAsync(run, run.Status! with { Message = outcome.Refusal }, cancellationToken).ConfigureAwait(false);
        }

        var message = $"completed: epoch {output.Epoch}, selected by the user, at {output.Uri}";
        run = await WriteAsync(run, run.Status! with { Output = output, Message = message }, cancellationToken).ConfigureAwait(false);
        await events.NormalAsync(run, "EpochSelected", $"epoch {output.Epoch} copied to {output.Uri} (sha256 {output.Sha256})", cancellationToken).ConfigureAwait(false);
        return run;
    }
}
