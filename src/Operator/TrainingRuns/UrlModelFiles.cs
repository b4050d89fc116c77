using LoraTrainer.Api;
using LoraTrainer.Operator.Models;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Links the model files a spec gives by URL — a checkpoint, and the text encoders and autoencoder of a Flux run —
/// reading each file's token, when it names one, from the run's namespace.
/// </summary>
internal sealed class UrlModelFiles(RunCredentialResolver credentials, ModelFileLinker linker)
{
    /// <summary>The checkpoint of <c>spec.baseModel.url</c>, ready to hand to the agent.</summary>
    public async Task<ModelResolution> CheckpointAsync(string ns, BaseModelSpec spec, CancellationToken cancellationToken)
    {
        var source = spec.Url!;
        var (download, failure) = await LinkAsync(ns, "spec.baseModel.url", source, cancellationToken).ConfigureAwait(false);
        if (download is null)
        {
            return failure!;
        }

        var fileName = Path.GetFileName(new Uri(source.Url).AbsolutePath) is { Length: > 0 } name ? name : "model.safetensors";
        return ModelResolution.Resolved(
            new ModelStatus { Family = spec.Family, Name = fileName, FileName = fileName, Sha256 = source.Sha256 },
            new ModelSource
            {
                Family = (spec.Family ?? ModelFamily.Sdxl).ToWireName(),
                Url = download.Url.ToString(),
                Authorization = download.Authorization,
                FileName = fileName,
                Sha256 = source.Sha256,
            },
            download.Access);
    }

    /// <summary>Flux's three extra files, each passed to the trainer by its argument; or why they cannot be used yet.</summary>
    public async Task<(IReadOnlyList<ModelFile> Files, ModelResolution? Failure)> FluxFilesAsync(string ns, FluxFilesSpec spec, CancellationToken cancellationToken)
    {
        var files = new List<ModelFile>();
        foreach (var (argument, field, source) in new[] { ("clip_l", "clipL", spec.ClipL), ("t5xxl", "t5xxl", spec.T5xxl), ("ae", "ae", spec.Ae) })
        {
            var (download, failure) = await LinkAsync(ns, $"spec.baseModel.flux.{field}", source, cancellationToken).ConfigureAwait(false);
            if (download is null)
            {
                return ([], failure);
            }

            files.Add(new ModelFile
            {
                Argument = argument,
                Url = download.Url.ToString(),
                Authorization = download.Authorization,
                // Named after the argument: three distinct names that no checkpoint file is called.
                FileName = $"flux-{argument}.safetensors",
                Sha256 = source.Sha256,
            });
        }

        return (files, null);
    }

    private async Task<(ModelDownload? Download, ModelResolution? Failure)> LinkAsync(string ns, string field, UrlModelSource source, CancellationToken cancellationToken)
    {
        var url = new Uri(source.Url);
        if (source.TokenSecretRef is null)
        {
            return (new ModelDownload(url, null, DownloadAccess.Anonymous), null);
        }

        var (token, error) = await credentials.ReadTokenAsync(ns, source.TokenSecretRef, $"{field}.tokenSecretRef", cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            return (null, ModelResolution.NeedsUser(error!));
        }

        var link = await linker.LinkAsync(field, url, token, cancellationToken).ConfigureAwait(false);
        return (link.Download, link.Failure);
    }
}
