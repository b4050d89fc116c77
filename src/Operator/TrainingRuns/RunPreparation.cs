using LoraTrainer.Api;
using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.ModelCache;
using LoraTrainer.Operator.Models;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Validates what the schema cannot, resolves the model, zips the dataset (reused when unchanged) and writes the agent
/// config with fresh presigned URLs; <see cref="RefreshAsync"/> re-issues those URLs for an attempt already prepared.
/// </summary>
/// <remarks>
/// A store failure that only the user can fix refuses the run; any other (an outage, an object changed while it was
/// zipped, a request the store rejects) comes back as <see cref="Preparation.Later"/> with the store's message, which
/// names the operation, the object and the endpoint and never a credential's secret or a presigned URL.
/// </remarks>
internal sealed partial class RunPreparation(
    RunCredentialResolver credentials,
    CivitaiModelResolver civitai,
    IObjectStoreFactory stores,
    DatasetZipper zipper,
    ArtifactPresigner presigner,
    RunSecretStore secrets,
    UrlModelFiles urlFiles,
    ModelFileCache cache,
    RunStates states)
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

        var (model, modelFailure) = await ResolveModelAsync(run, creds, cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            return modelFailure!;
        }

        var store = stores.Create(creds.S3);
        try
        {
            var dataset = await zipper.PrepareAsync(store, DatasetRequest.For(run.Spec, model.Training.BatchSize), cancellationToken).ConfigureAwait(false);
            if (!dataset.IsReady)
            {
                return Preparation.Refused(dataset.Refusal!.Message);
            }

            return await IssueAsync(run, attempt, store, model, dataset.Status!, dataset.Zip!, [], cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex)
        {
            return Preparation.StoreFailed(ex);
        }
    }

    /// <summary>What the schema cannot check, each error naming the field to fix.</summary>
    public static IReadOnlyList<string> SpecErrors(TrainingRunSpec spec)
    {
        var errors = new List<string>(SdScriptsPreflight.ExtraArgErrors(spec.Training?.ExtraArgs));
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

    /// <summary>
    /// The checkpoint, its family, the hyperparameters resolved for that family (checked with the spec's extra
    /// arguments against what its script takes) and Flux's extra files.
    /// </summary>
    private async Task<(ResolvedModel? Model, Preparation? Failure)> ResolveModelAsync(TrainingRun run, RunCredentials creds, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.NamespaceProperty;
        var cached = await CachedUrlFilesAsync(run, creds, cancellationToken).ConfigureAwait(false);
        var model = run.Spec.BaseModel.Civitai is { } version
            ? await CachedVersionAsync(run, version.ModelVersionId, creds, cancellationToken).ConfigureAwait(false)
                ?? await civitai.ResolveAsync(version.ModelVersionId, run.Spec.BaseModel.Family, creds.CivitaiKey, cancellationToken).ConfigureAwait(false)
            : await urlFiles.CheckpointAsync(ns, run.Spec.BaseModel, cached, cancellationToken).ConfigureAwait(false);
        if (model.Outcome != ModelResolutionOutcome.Resolved)
        {
            return (null, Preparation.NotResolved(model));
        }

        var family = model.Status!.Family ?? run.Spec.BaseModel.Family ?? ModelFamily.Sdxl;
        var training = TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset);
        if (SdScriptsPreflight.FamilyErrors(training, run.Spec.Training?.ExtraArgs).Concat(SdScriptsPreflight.SampleErrors(run, training)).ToList() is { Count: > 0 } familyErrors)
        {
            return (null, Preparation.Refused(string.Join("; ", familyErrors)));
        }

        var (extraFiles, extraFailure) = await ExtraFilesAsync(ns, run.Spec.BaseModel, family, cached, cancellationToken).ConfigureAwait(false);
        if (extraFailure is not null)
        {
            return (null, Preparation.NotResolved(extraFailure));
        }

        return (new ResolvedModel(training, model.Status with { Family = family }, model.Source! with { ExtraFiles = extraFiles }, model.Origin), null);
    }

    /// <summary>The Civitai version as the run's model cache recorded it, so that a cached checkpoint needs neither Civitai nor its key; null on a miss.</summary>
    private async Task<ModelResolution?> CachedVersionAsync(TrainingRun run, long versionId, RunCredentials creds, CancellationToken cancellationToken) =>
        cache.LocationOf(run) is { } location && await cache.FindVersionAsync(stores.Create(creds.S3), location, versionId, cancellationToken).ConfigureAwait(false) is { } cached
            ? civitai.ResolveCached(versionId, run.Spec.BaseModel.Family, cached)
            : null;

    /// <summary>
    /// The SHA-256s of the token-protected files the run gives by URL that its model cache holds (the files that would
    /// otherwise be linked at their hosts); none without a cache.
    /// </summary>
    private async Task<IReadOnlySet<string>> CachedUrlFilesAsync(TrainingRun run, RunCredentials creds, CancellationToken cancellationToken) =>
        cache.LocationOf(run) is { } location
            ? await cache.HeldAsync(stores.Create(creds.S3), location,
                UrlModelFiles.Sources(run.Spec.BaseModel).Where(s => s.TokenSecretRef is not null).Select(s => s.Sha256), cancellationToken).ConfigureAwait(false)
            : new HashSet<string>();

    /// <summary>Presigns the zip and the outputs, builds the config and writes it to the run's Secret.</summary>
    /// <param name="filling">The model files whose uploads the attempt keeps (<see cref="ModelFileCache.ApplyAsync"/>); empty for a new attempt.</param>
    private async Task<Preparation> IssueAsync(
        TrainingRun run, int attempt, IObjectStore store, ResolvedModel model, DatasetStatus dataset, S3Uri zip, IReadOnlyList<ModelFileStatus> filling, CancellationToken cancellationToken)
    {
        var source = new DatasetSource
        {
            Url = (await presigner.DatasetDownloadAsync(store, zip).ConfigureAwait(false)).ToString(),
            Bytes = dataset.Bytes,
            Sha256 = dataset.Sha256,
        };
        var outputs = await presigner.OutputTargetsAsync(store, run.Spec.Output, run.Metadata.Name, model.Training.MaxTrainEpochs, AgentConfigBuilder.Samples(run, model.Training), RunStates.EveryNEpochs(run) > 0).ConfigureAwait(false);
        var (modelSource, modelStatus) = (model.Source, model.Status);
        // A dry run rents nothing, so it starts no upload that nobody would fill.
        if (!run.Spec.DryRun && cache.LocationOf(run) is { } location)
        {
            var cached = await cache.ApplyAsync(store, location, run.Spec.BaseModel, model.Source, filling, cancellationToken).ConfigureAwait(false);
            (modelSource, modelStatus) = (cached.Source, model.Status with { Files = cached.Files });
        }

        var config = AgentConfigBuilder.Build(run, attempt, model.Training, modelSource, source, outputs) with { State = await states.PlanAsync(store, run).ConfigureAwait(false) };
        var token = await secrets.WriteConfigAsync(run, config, cancellationToken).ConfigureAwait(false);
        return Preparation.Done(new PreparedRun(model.Family, modelStatus, dataset, token, config, zip, model.CivitaiDownload));
    }

    /// <summary>Flux's text encoders and autoencoder; none for the other families, which must not be given any.</summary>
    private async Task<(IReadOnlyList<ModelFile> Files, ModelResolution? Failure)> ExtraFilesAsync(
        string ns, BaseModelSpec spec, ModelFamily family, IReadOnlySet<string> cached, CancellationToken cancellationToken)
    {
        return (family, spec.Flux) switch
        {
            (ModelFamily.Flux, null) => ([], ModelResolution.NeedsUser(FluxFilesMissing)),
            (ModelFamily.Flux, { } files) => await urlFiles.FluxFilesAsync(ns, files, cached, cancellationToken).ConfigureAwait(false),
            (_, null) => ([], null),
            _ => ([], ModelResolution.NeedsUser(
                $"spec.baseModel.flux: only Flux models take these files, and this model is {family.ToWireName()}; remove spec.baseModel.flux or choose a Flux model")),
        };
    }

    /// <summary>
    /// A resolved base model: the hyperparameters resolved for its family, what status shows, what the agent
    /// downloads, and Civitai's URL to link again.
    /// </summary>
    private sealed record ResolvedModel(ResolvedTraining Training, ModelStatus Status, ModelSource Source, Uri? CivitaiDownload)
    {
        /// <summary>The model's family.</summary>
        public ModelFamily Family => Training.Family;
    }
}
