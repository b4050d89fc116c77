using LoraTrainer.Api;
using LoraTrainer.Operator.Models;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Everything an attempt needs before a GPU is rented: the model, the dataset zip, and the agent's config in the run's Secret.</summary>
/// <param name="Family">The model family the attempt trains.</param>
/// <param name="Model">What to write to <c>status.model</c>.</param>
/// <param name="Dataset">What to write to <c>status.dataset</c>.</param>
/// <param name="Token">The run's token (never changes for the life of the run).</param>
/// <param name="Config">The config as written to the Secret; a refresh keeps it and replaces only its URLs.</param>
/// <param name="Zip">The attempt's dataset zip, which a refresh presigns again.</param>
/// <param name="CivitaiDownload">Civitai's own download URL of the checkpoint, linked again on refresh; null for a model given by URL.</param>
internal sealed record PreparedRun(
    ModelFamily Family, ModelStatus Model, DatasetStatus Dataset, string Token, AgentConfig Config, S3Uri Zip, Uri? CivitaiDownload)
{
    /// <summary>Never prints the config: its URLs are secrets.</summary>
    public override string ToString() => $"PreparedRun {{ {Family.ToWireName()}, {Zip} }}";
}

/// <summary>A prepared attempt, remembered so that the next look for an offer can reuse it while its URLs are fresh.</summary>
internal sealed record PreparedAttempt(string? Uid, long? Generation, int Attempt, PreparedRun Run, DateTimeOffset At)
{
    /// <summary>Whether this preparation is for <paramref name="attempt"/> of the run as it is now (same object, same spec).</summary>
    public bool IsFor(TrainingRun run, int attempt) => IsAttempt(run, attempt) && Generation == run.Metadata.Generation;

    /// <summary>
    /// Whether this preparation is the one <paramref name="attempt"/> of this object runs with, whatever the spec says
    /// now: an attempt that holds a GPU keeps its dataset and model until it ends.
    /// </summary>
    public bool IsAttempt(TrainingRun run, int attempt) => Attempt == attempt && Uid == run.Metadata.Uid;
}

/// <summary>The outcome of preparing: ready, refused (only the user can fix it), or not yet (a dependency is failing; retry).</summary>
internal sealed record Preparation(PreparedRun? Ready, string? Refusal, string? RetryReason)
{
    public static Preparation Done(PreparedRun run) => new(run, null, null);

    public static Preparation Refused(string message) => new(null, message, null);

    public static Preparation Later(string reason) => new(null, null, reason);

    /// <summary>A model that could not be resolved: refused when only the user can fix it, else later.</summary>
    public static Preparation NotResolved(ModelResolution failure) =>
        failure.Outcome == ModelResolutionOutcome.NeedsUserAction ? Refused(failure.Message!) : Later(failure.Message!);

    /// <summary>A store failure: refused when only the user can fix it (credential, permission, bucket), else later.</summary>
    public static Preparation StoreFailed(ObjectStoreException failure) =>
        failure.IsUserFixable ? Refused(failure.Message) : Later(failure.Message);
}
