using LoraTrainer.Api;
using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Models;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>Everything an attempt needs before a GPU is rented: the model, the dataset zip, and the agent's config in the run's Secret.</summary>
internal sealed record PreparedRun(ModelFamily Family, ModelStatus Model, DatasetStatus Dataset, string Token);

/// <summary>A prepared attempt, remembered so that the next look for an offer can reuse it while its URLs are fresh.</summary>
internal sealed record PreparedAttempt(string? Uid, long? Generation, int Attempt, PreparedRun Run, DateTimeOffset At)
{
    /// <summary>Whether this preparation is for <paramref name="attempt"/> of the run as it is now (same object, same spec).</summary>
    public bool IsFor(TrainingRun run, int attempt) =>
        Attempt == attempt && Uid == run.Metadata.Uid && Generation == run.Metadata.Generation;
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
}

/// <summary>
/// Validates what the schema cannot, resolves the model, zips the dataset (reused when unchanged) and writes the agent
/// config with fresh presigned URLs. Run again to re-issue URLs before they expire: every step is idempotent.
/// </summary>
internal sealed class RunPreparation(
    RunCredentialResolver credentials,
    CivitaiModelResolver civitai,
    IObjectStoreFactory stores,
    DatasetZipper zipper,
    ArtifactPresigner presigner,
    RunSecretStore secrets,
    UrlModelFiles urlFiles)
{
    private const string FluxFilesMissing =
        "spec.baseModel.flux: a Flux model trains with three more files; set clipL, t5xxl and ae, each with a url and sha256 (see docs/trainingrun.md, Flux)";

    /// <summary>Prepares attempt <paramref name="attempt"/> of <paramref name="run"/>.</summary>
    public async Task<Preparation> PrepareAsync(TrainingRun run, int attempt, CancellationToken cancellationToken)
    {
        var specErrors = SpecErrors(run.Spec);
        if (specErrors.Count > 0)
        {
            return Preparation.Refused(string.Join("; ", specErrors));
        }

        var (creds, credentialError) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        if (creds is null)
        {
            return Preparation.Refused(credentialError!);
        }

        var ns = run.Metadata.NamespaceProperty;
        var model = run.Spec.BaseModel.Civitai is { } version
            ? await civitai.ResolveAsync(version.ModelVersionId, run.Spec.BaseModel.Family, creds.CivitaiKey, cancellationToken).ConfigureAwait(false)
            : await urlFiles.CheckpointAsync(ns, run.Spec.BaseModel, cancellationToken).ConfigureAwait(false);
        if (model.Outcome != ModelResolutionOutcome.Resolved)
        {
            return Preparation.NotResolved(model);
        }

        var family = model.Status!.Family ?? run.Spec.BaseModel.Family ?? ModelFamily.Sdxl;
        if (ExtraArgs.ValidateFor(run.Spec.Training?.ExtraArgs, family) is { Count: > 0 } familyErrors)
        {
            return Preparation.Refused(string.Join("; ", familyErrors));
        }

        var (extraFiles, extraFailure) = await ExtraFilesAsync(ns, run.Spec.BaseModel, family, cancellationToken).ConfigureAwait(false);
        if (extraFailure is not null)
        {
            return Preparation.NotResolved(extraFailure);
        }

        var training = TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset);
        var store = stores.Create(creds.S3);
        DatasetResult dataset;
        try
        {
            dataset = await zipper.PrepareAsync(store, DatasetRequest.For(run.Spec, training.BatchSize), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex) when (ex.IsUserFixable)
        {
            return Preparation.Refused(ex.Message);
        }

        if (!dataset.IsReady)
        {
            return Preparation.Refused(dataset.Refusal!.Message);
        }

        var source = new DatasetSource
        {
            Url = (await presigner.DatasetDownloadAsync(store, dataset.Zip!).ConfigureAwait(false)).ToString(),
            Bytes = dataset.Status!.Bytes,
            Sha256 = dataset.Status.Sha256,
        };
        var outputs = await presigner.OutputTargetsAsync(store, run.Spec.Output, run.Metadata.Name, training.MaxTrainEpochs).ConfigureAwait(false);
        var config = AgentConfigBuilder.Build(run, attempt, family, model.Source! with { ExtraFiles = extraFiles }, source, outputs);
        var token = await secrets.WriteConfigAsync(run, config, cancellationToken).ConfigureAwait(false);
        return Preparation.Done(new PreparedRun(family, model.Status with { Family = family }, dataset.Status, token));
    }

    /// <summary>What the schema cannot check, each error naming the field to fix.</summary>
    public static IReadOnlyList<string> SpecErrors(TrainingRunSpec spec)
    {
        var errors = new List<string>(ExtraArgs.Validate(spec.Training?.ExtraArgs));
        if (spec.BaseModel.Civitai is null == spec.BaseModel.Url is null)
        {
            errors.Add("spec.baseModel: set exactly one of civitai or url");
        }

        if (spec.BaseModel.Url is not null && spec.BaseModel.Family is null)
        {
            errors.Add("spec.baseModel.family: required when the model comes from a url (sd15, sdxl or flux)");
        }

        if (spec.BaseModel.Family == ModelFamily.Flux && spec.BaseModel.Flux is null)
        {
            errors.Add(FluxFilesMissing);
        }

        foreach (var (name, value) in new[] { ("pendingGpu", spec.RunPolicy?.Deadlines?.PendingGpu), ("pendingImages", spec.RunPolicy?.Deadlines?.PendingImages),
                     ("pendingModel", spec.RunPolicy?.Deadlines?.PendingModel), ("heartbeat", spec.RunPolicy?.Deadlines?.Heartbeat) })
        {
            if (value is not null && !Duration.TryParse(value, out _))
            {
                errors.Add($"spec.runPolicy.deadlines.{name}: '{value}' is not a duration; write it like 90s, 20m or 1h30m");
            }
            else if (value is not null && Duration.Parse(value) <= TimeSpan.Zero)
            {
                errors.Add($"spec.runPolicy.deadlines.{name}: '{value}' would stall every attempt at once; give it a duration above zero, like 20m");
            }
        }

        return errors;
    }

    /// <summary>Flux's text encoders and autoencoder; none for the other families, which must not be given any.</summary>
    private async Task<(IReadOnlyList<ModelFile> Files, ModelResolution? Failure)> ExtraFilesAsync(string ns, BaseModelSpec spec, ModelFamily family, CancellationToken cancellationToken)
    {
        return (family, spec.Flux) switch
        {
            (ModelFamily.Flux, null) => ([], ModelResolution.NeedsUser(FluxFilesMissing)),
            (ModelFamily.Flux, { } files) => await urlFiles.FluxFilesAsync(ns, files, cancellationToken).ConfigureAwait(false),
            (_, null) => ([], null),
            _ => ([], ModelResolution.NeedsUser(
                $"spec.baseModel.flux: only Flux models take these files, and this model is {family.ToWireName()}; remove spec.baseModel.flux or choose a Flux model")),
        };
    }
}
