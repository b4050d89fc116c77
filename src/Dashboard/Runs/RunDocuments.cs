using LoraTrainer.Api;

namespace LoraTrainer.Dashboard.Runs;

/// <summary>One line of the runs page: the columns of <c>kubectl get trainingruns</c>.</summary>
internal sealed record RunRow(
    string Namespace, string Name, string Phase, int? Progress, int? Epoch, int? TotalEpochs, double? Loss,
    string? Gpu, double? PricePerHour, double? CostUsd, DateTimeOffset? Created, string? Message);

/// <summary>Everything the run page shows. Object keys and links to the dashboard's own endpoints, never presigned URLs.</summary>
internal sealed record RunDetail(
    RunRow Run,
    IReadOnlyList<TimelineEntry> Timeline,
    IReadOnlyList<ConditionRow> Conditions,
    string? Reason,
    int? ChosenEpoch,
    string? ChosenBy,
    IReadOnlyList<EpochPoint> Epochs,
    IReadOnlyList<string> Prompts,
    IReadOnlyList<DownloadRow> Downloads,
    IReadOnlyList<EventRow> Events,
    IReadOnlyList<CommandRow> Commands);

/// <summary>A moment in the run's life; <paramref name="Deadline"/> is when the phase must end by.</summary>
internal sealed record TimelineEntry(string Label, DateTimeOffset At, DateTimeOffset? Deadline = null, string? DeadlineReason = null);

/// <summary>A status condition.</summary>
internal sealed record ConditionRow(string Type, string Status, string Reason, string Message, DateTimeOffset Since);

/// <summary>An epoch on the loss chart, with its sample images.</summary>
internal sealed record EpochPoint(int Epoch, double? Loss, double? ValidationLoss, IReadOnlyList<SampleCell> Samples);

/// <summary>One sample image: the dashboard link that redirects to a fresh presigned GET, or why it is missing.</summary>
internal sealed record SampleCell(int Prompt, string? Link, string? Error);

/// <summary>A file to download: the dashboard link (a redirect made on request), its size and, where status records it, its SHA-256.</summary>
internal sealed record DownloadRow(string Label, int? Epoch, string Key, string Link, long? Bytes, string? Sha256);

/// <summary>A Kubernetes Event about the run.</summary>
internal sealed record EventRow(string Type, string Reason, string Message, int Count, DateTimeOffset LastSeen);

/// <summary>An action the dashboard does not take itself, as a <c>kubectl lora</c> command to copy.</summary>
internal sealed record CommandRow(string Label, string Command);
