using LoraTrainer.Api;
using LoraTrainer.Protocol;

namespace LoraTrainer.Webhook.Events;

/// <summary>Turns a protocol event into the phase machine's input; a pure function.</summary>
internal static class EventTranslator
{
    /// <summary>The input for <paramref name="evt"/>, or an error saying what is wrong with the event.</summary>
    public static (PhaseInput? Input, string? Error) Translate(AgentEvent evt, TrainingRun run)
    {
        if (evt.Seq < 1)
        {
            return (null, "seq must be 1 or more");
        }

        // JSON null reaches properties the contract declares non-null; each is refused here rather than dereferenced.
        if (string.IsNullOrEmpty(evt.Kind))
        {
            return (null, "kind is required");
        }

        if (evt.Epochs?.Any(e => e is null) == true)
        {
            return (null, $"{evt.Kind} epochs must not contain null");
        }

        (PhaseInput? Input, string? Error) Ok(PhaseInput input) => (input, null);
        (PhaseInput? Input, string? Error) Missing(string field) => (null, $"{evt.Kind} needs {field}");

        return evt.Kind switch
        {
            EventKinds.GpuReady => Ok(new GpuReadyInput(evt.Seq, evt.Attempt, evt.Gpu?.Name, evt.Gpu?.MemoryMb)),
            EventKinds.ImagesDownloaded => Ok(new ImagesDownloadedInput(evt.Seq, evt.Attempt, evt.Images ?? 0, evt.Captions ?? 0, evt.Bytes ?? 0)),
            EventKinds.ModelDownloaded => Ok(new ModelDownloadedInput(evt.Seq, evt.Attempt, evt.Bytes ?? 0, evt.Sha256)),
            EventKinds.Ready => Ok(new ReadyInput(evt.Seq, evt.Attempt, evt.Epoch is >= 1 ? evt.Epoch : null, evt.Reason is { } reason ? Truncate(reason, 512) : null)),
            EventKinds.Progress => evt.Percent is null
                ? Missing("percent")
                : Ok(new ProgressInput(evt.Seq, evt.Attempt, evt.Percent.Value, evt.Step, evt.TotalSteps, evt.Epoch, evt.TotalEpochs, ProtocolJson.Finite(evt.Loss), evt.EtaSeconds)),
            EventKinds.EpochCompleted => evt.Epoch is null || evt.Loss is null
                ? Missing("epoch and loss")
                : Ok(new EpochCompletedInput(evt.Seq, evt.Attempt, evt.Epoch.Value, evt.Loss.Value, ProtocolJson.Finite(evt.ValidationLoss))),
            EventKinds.TrainingCompleted => evt.BestEpoch is null
                ? Missing("bestEpoch")
                : Ok(new TrainingCompletedInput(evt.Seq, evt.Attempt,
                    (evt.Epochs ?? []).Select(e => new EpochLoss { Epoch = e.Epoch, Loss = e.Loss, ValidationLoss = ProtocolJson.Finite(e.ValidationLoss) }).ToList(),
                    evt.BestEpoch.Value, Metric(evt.Metric))),
            EventKinds.Uploaded => evt.Epoch is null || string.IsNullOrEmpty(evt.Key) || evt.Bytes is null
                ? Missing("epoch, key and bytes")
                : Ok(new UploadedInput(evt.Seq, evt.Attempt, evt.Epoch.Value, ProtocolJson.Finite(evt.Loss),
                    $"s3://{run.Spec.Output.S3.Bucket}/{evt.Key}", evt.Bytes.Value, evt.Sha256, Metric(evt.Metric), evt.FinishedEarly == true)),
            EventKinds.EpochUploaded => evt is { Epoch: >= 1, Key.Length: > 0, Bytes: >= 0 } && IsSha256(evt.Sha256)
                ? Ok(new EpochUploadedInput(evt.Seq, evt.Attempt, evt.Epoch.Value, evt.Bytes.Value, evt.Sha256!))
                : Missing("epoch (1 or more), key, bytes and sha256 (64 lowercase hex digits)"),
            EventKinds.SamplesUploaded => Samples(evt) is { } samples
                ? Ok(new SamplesUploadedInput(evt.Seq, evt.Attempt, evt.Epoch!.Value, samples))
                : (null, $"{evt.Kind} needs epoch (0 or more) and sampleImages: 1 to {SampleDefaults.MaxPrompts} images, each with a distinct prompt index below {SampleDefaults.MaxPrompts} and a key or an error"),
            EventKinds.ModelCached => string.IsNullOrEmpty(evt.Key) || (evt.Parts is { Count: > 0 } parts && (string.IsNullOrEmpty(evt.UploadId) || parts.Any(p => p is null || p.PartNumber < 1 || string.IsNullOrEmpty(p.ETag))))
                ? Missing("key, and with parts an uploadId and a partNumber and eTag for each")
                : Ok(new ModelCachedInput(evt.Seq, evt.Attempt, evt.Key, evt.UploadId,
                    evt.Parts is { Count: > 0 } ? [.. evt.Parts.Select(p => new CachePartStatus { PartNumber = p.PartNumber, ETag = Truncate(p.ETag, 128) })] : null,
                    evt.Reason is null ? null : Truncate(evt.Reason, 256))),
            EventKinds.ModelCacheRejected => string.IsNullOrEmpty(evt.Key)
                ? Missing("key")
                : Ok(new ModelCacheRejectedInput(evt.Seq, evt.Attempt, evt.Key, evt.Sha256 is null ? null : Truncate(evt.Sha256, 64))),
            EventKinds.StateSaved => State(evt) is { } state
                ? Ok(new StateSavedInput(evt.Seq, evt.Attempt, state))
                : Missing("epoch, key, uploadId, bytes, sha256 and parts 1 to 10000 numbered from 1 without a gap"),
            EventKinds.Failed => Ok(new AgentFailedInput(evt.Seq, evt.Attempt, evt.Stage ?? "unknown", Truncate(evt.Reason ?? "no reason given", 512))),
            EventKinds.Heartbeat => Ok(new HeartbeatInput(evt.Seq, evt.Attempt)),
            _ => (null, $"unknown event kind '{Truncate(evt.Kind, 64)}'"),
        };
    }

    /// <summary>The images of a <c>samplesUploaded</c> event as status keeps them (keys and errors, no URLs); null when malformed.</summary>
    private static IReadOnlyList<SampleImageStatus>? Samples(AgentEvent evt)
    {
        var images = evt.SampleImages;
        if (evt.Epoch is not >= 0 || images is not { Count: > 0 and <= SampleDefaults.MaxPrompts } || images.Any(i => i is null)
            || images.Any(i => i.Prompt is < 0 or >= SampleDefaults.MaxPrompts || (string.IsNullOrEmpty(i.Key) && string.IsNullOrEmpty(i.Error)))
            || images.Select(i => i.Prompt).Distinct().Count() != images.Count)
        {
            return null;
        }

        return [.. images.Select(i => string.IsNullOrEmpty(i.Key)
            ? new SampleImageStatus { Prompt = i.Prompt, Error = Truncate(i.Error!, 256) }
            : new SampleImageStatus { Prompt = i.Prompt, Key = i.Key })];
    }

    /// <summary>The state of a <c>stateSaved</c> event as status keeps it; null when malformed.</summary>
    private static SavedStateStatus? State(AgentEvent evt) =>
        evt is { Epoch: >= 1, Key.Length: > 0 and <= 1024, UploadId.Length: > 0 and <= 1024, Bytes: >= 0, Sha256.Length: 64, Parts.Count: > 0 and <= 10_000 }
            && evt.Parts.Select((p, i) => p is not null && p.PartNumber == i + 1 && p.ETag is { Length: > 0 and <= 128 }).All(ok => ok)
            ? new SavedStateStatus
            {
                Epoch = evt.Epoch.Value, Key = evt.Key, UploadId = evt.UploadId, Bytes = evt.Bytes.Value, Sha256 = evt.Sha256,
                Parts = [.. evt.Parts.Select(p => new StatePartStatus { PartNumber = p.PartNumber, ETag = p.ETag })],
            }
            : null;

    // Status shows it as the hash to check a download against, so only a well-formed one is recorded.
    private static bool IsSha256(string? sha256) => sha256 is { Length: 64 } && sha256.All(char.IsAsciiHexDigitLower);

    /// <summary>Whether the input only refreshes figures, so its write may be coalesced.</summary>
    public static bool IsProgressOnly(PhaseInput input) => input is ProgressInput or HeartbeatInput;

    // A metric this receiver does not know (from a newer agent) is still recorded: refusing it would lose the upload.
    private static string? Metric(string? metric) => string.IsNullOrEmpty(metric) ? null : Truncate(metric, 64);

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
