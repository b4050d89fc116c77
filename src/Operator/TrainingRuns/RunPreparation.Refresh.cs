using LoraTrainer.Api;
using LoraTrainer.Operator.Models;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

internal sealed partial class RunPreparation
{
    /// <summary>
    /// Re-issues the URLs of the attempt <paramref name="run"/> holds a GPU for: presigns its zip and output keys
    /// again and links its model downloads again (a fresh Civitai signed link, fresh links for token-protected files).
    /// </summary>
    /// <remarks>
    /// The attempt keeps its dataset: nothing is listed, read or zipped, even if the images changed meanwhile, because
    /// the GPU may already hold the zip. With <paramref name="known"/> (the attempt's preparation, remembered by this
    /// process) the config stays as it was but for its URLs. Without it (the operator restarted) the model is resolved
    /// again and the config rebuilt around the zip recorded in <c>status.dataset</c>.
    /// </remarks>
    public async Task<Preparation> RefreshAsync(TrainingRun run, PreparedRun? known, CancellationToken cancellationToken)
    {
        var (creds, credentialError) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        if (creds is null)
        {
            return Preparation.Refused(credentialError!);
        }

        var store = stores.Create(creds.S3);
        try
        {
            return known is null
                ? await RebuildAsync(run, creds, store, cancellationToken).ConfigureAwait(false)
                : await RelinkAsync(run, known, creds, store, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectStoreException ex)
        {
            return Preparation.StoreFailed(ex);
        }
    }

    private async Task<Preparation> RelinkAsync(TrainingRun run, PreparedRun known, RunCredentials creds, IObjectStore store, CancellationToken cancellationToken)
    {
        var cached = HitsOf(known.Config.Model);
        var (checkpoint, failure) = await RelinkCheckpointAsync(run, known, creds, cached, cancellationToken).ConfigureAwait(false);
        if (checkpoint is null)
        {
            return Preparation.NotResolved(failure!);
        }

        var (extraFiles, extraFailure) = await ExtraFilesAsync(run.Metadata.NamespaceProperty, run.Spec.BaseModel, known.Family, cached, cancellationToken).ConfigureAwait(false);
        if (extraFailure is not null)
        {
            return Preparation.NotResolved(extraFailure);
        }

        var config = known.Config with
        {
            Dataset = known.Config.Dataset with { Url = (await presigner.DatasetDownloadAsync(store, known.Zip).ConfigureAwait(false)).ToString() },
            Model = await cache.RelinkAsync(store, cache.LocationOf(run), known.Config.Model,
                known.Config.Model with { Url = checkpoint.Url.AbsoluteUri, Authorization = checkpoint.Authorization, ExtraFiles = extraFiles }).ConfigureAwait(false),
            Outputs = await presigner.OutputTargetsAsync(store, run.Spec.Output, run.Metadata.Name, known.Config.Training.Args.MaxTrainEpochs!.Value, known.Config.Samples, RunStates.EveryNEpochs(run) > 0).ConfigureAwait(false),
            State = await states.PlanAsync(store, run).ConfigureAwait(false),
        };
        var token = await secrets.WriteConfigAsync(run, config, cancellationToken).ConfigureAwait(false);
        return Preparation.Done(known with { Token = token, Config = config });
    }

    /// <summary>
    /// Moves the run's saved state on (<see cref="RunStates.AdvanceAsync"/>); the new <c>status.resume</c>, or null when
    /// nothing changed or the credentials cannot be read (the run's own checks report that).
    /// </summary>
    /// <exception cref="ObjectStoreException">The store failed; the caller reports it and tries again.</exception>
    public async Task<ResumeStatus?> AdvanceStateAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        if (!RunStates.HasWork(run))
        {
            return null;
        }

        var (creds, _) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        return creds is null ? null : await states.AdvanceAsync(stores.Create(creds.S3), run, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Aborts a state upload <see cref="AdvanceStateAsync"/> opened whose status write then lost a race: recorded
    /// nowhere, it would otherwise bill its parts until the bucket's lifecycle rule takes it.
    /// </summary>
    /// <exception cref="ObjectStoreException">The store failed.</exception>
    public async Task AbortStateUploadAsync(TrainingRun run, StateUploadStatus upload, CancellationToken cancellationToken)
    {
        var (creds, _) = await credentials.ResolveAsync(run, cancellationToken).ConfigureAwait(false);
        if (creds is not null)
        {
            await PresignedMultipart.AbortAsync(stores.Create(creds.S3), new S3Uri(run.Spec.Output.S3.Bucket, upload.Key), upload.UploadId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The SHA-256s of the files <paramref name="given"/> reads from the model cache: their fallbacks were not linked, and
    /// their hosts are not asked now either.
    /// </summary>
    private static HashSet<string> HitsOf(ModelSource given)
    {
        var hits = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (entry, sha256) in given.ExtraFiles.Select(f => (f.Cache, f.Sha256)).Append((given.Cache, given.Sha256)))
        {
            if (entry is { Hit: true } && sha256 is not null)
            {
                hits.Add(sha256);
            }
        }

        return hits;
    }

    /// <summary>The checkpoint's download, linked again: Civitai's download URL the attempt resolved, or the spec's URL.</summary>
    private async Task<(ModelDownload? Download, ModelResolution? Failure)> RelinkCheckpointAsync(
        TrainingRun run, PreparedRun known, RunCredentials creds, IReadOnlySet<string> cached, CancellationToken cancellationToken)
    {
        if (run.Spec.BaseModel.Civitai is { } version && known.CivitaiDownload is { } origin)
        {
            var link = await civitai.RelinkAsync(version.ModelVersionId, origin, creds.CivitaiKey, cancellationToken).ConfigureAwait(false);
            return (link.Download, link.Failure);
        }

        if (run.Spec.BaseModel.Civitai is not null)
        {
            // Prepared from the model cache's record: its source is Civitai's keyless download URL, which does not age.
            var given = known.Config.Model;
            return (new ModelDownload(new Uri(given.Cache is { Hit: true, Fallback: { } fallback } ? fallback.Url : given.Url), null, DownloadAccess.Anonymous), null);
        }

        var model = await urlFiles.CheckpointAsync(run.Metadata.NamespaceProperty, run.Spec.BaseModel, cached, cancellationToken).ConfigureAwait(false);
        return model.Outcome == ModelResolutionOutcome.Resolved
            ? (new ModelDownload(new Uri(model.Source!.Url), model.Source.Authorization, model.Access!.Value), null)
            : (null, model);
    }

    /// <summary>After a restart: the model resolved again, the config rebuilt around the zip the attempt was given.</summary>
    private async Task<Preparation> RebuildAsync(TrainingRun run, RunCredentials creds, IObjectStore store, CancellationToken cancellationToken)
    {
        if (run.Status?.Dataset is not { Zip: { } zip } dataset)
        {
            return Preparation.Later("the attempt's dataset zip is not recorded in status.dataset; its URLs are re-issued once it is");
        }

        var (model, failure) = await ResolveModelAsync(run, creds, cancellationToken).ConfigureAwait(false);
        return model is null
            ? failure!
            : await IssueAsync(run, run.Status.Attempt, store, model, dataset, S3Uri.Parse(zip), run.Status.Model?.Files ?? [], cancellationToken).ConfigureAwait(false);
    }
}
