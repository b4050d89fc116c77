namespace LoraTrainer.Agent.Running;

/// <summary>The run cannot go on; becomes a <c>failed</c> event with <see cref="Stage"/> and the message as its reason.</summary>
/// <remarks>Messages are written for the user reading the TrainingRun status: what went wrong and what to change.</remarks>
internal sealed class StageFailure(string stage, string reason, Exception? inner = null, IReadOnlyList<string>? logTail = null)
    : Exception(reason, inner)
{
    /// <summary>One of <see cref="Stages"/>.</summary>
    public string Stage { get; } = stage;

    /// <summary>The trainer's last console lines, when the trainer was running; scrubbed before sending.</summary>
    public IReadOnlyList<string> LogTail { get; } = logTail ?? [];
}

/// <summary>The stages named in <c>failed</c> events.</summary>
internal static class Stages
{
    /// <summary>Fetching or checking the config and the trainer arguments.</summary>
    public const string Config = "config";
    /// <summary>Downloading and unpacking the dataset.</summary>
    public const string Images = "images";
    /// <summary>Downloading and verifying the base model.</summary>
    public const string Model = "model";
    /// <summary>Running the trainer.</summary>
    public const string Training = "training";
    /// <summary>Uploading the result.</summary>
    public const string Upload = "upload";
    /// <summary>Finishing early (<c>spec.finish: now</c>) before any epoch was saved.</summary>
    public const string Finish = "finish";
}
