using LoraTrainer.Api;
using LoraTrainer.Operator.Models;
using LoraTrainer.Protocol;

namespace LoraTrainer.Operator.TrainingRuns;

/// <summary>
/// Links the model files a spec gives by URL — a checkpoint, and the text encoders and autoencoder of a Flux run —
/// reading each file's token, when it names one, from the run's namespace.
/// </summary>
/// <remarks>
/// A file the run's model cache holds reaches the agent from the cache, with its URL only as the fallback should the
/// cached bytes fail their check: it is not linked, so neither its host nor its token is needed. A gated file's
/// fallback then fails, and the retry, which finds the object evicted, links it with the token.
/// </remarks>
internal sealed class UrlModelFiles(RunCredentialResolver credentials, ModelFileLinker linker)
{
    /// <summary>Every file <paramref name="spec"/> gives by URL.</summary>
    public static IEnumerable<UrlModelSource> Sources(BaseModelSpec spec) =>
        new[] { spec.Url, spec.Flux?.ClipL, spec.Flux?.T5xxl, spec.Flux?.Ae }.OfType<UrlModelSource>();

    /// <summary>The checkpoint of <c>spec.baseModel.url</c>, ready to hand to the agent.</summary>
    /// <param name="ns">The run's namespace.</param>
    /// <param name="spec">The run's model.</param>
    /// <param name="cached">The SHA-256s of the files the run's model cache holds, which are not linked.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task<ModelResolution> CheckpointAsync(string ns, BaseModelSpec spec, IReadOnlySet<string> cached, CancellationToken cancellationToken)
    {
        var source = spec.Url!;
        var (download, failure) = await LinkAsync(ns, "spec.baseModel.url", source, cached, cancellationToken).ConfigureAwait(false);
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
    public async Task<(IReadOnlyList<ModelFile> Files, ModelResolution? Failure)> FluxFilesAsync(
        string ns, FluxFilesSpec spec, IReadOnlySet<string> cached, CancellationToken cancellationToken)
    {
        var files = new List<ModelFile>();
        foreach (var (argument, field, source) in new[] { ("clip_l", "clipL", spec.ClipL), ("t5xxl", "t5xxl", spec.T5xxl), ("ae", "ae", spec.Ae) })
        {
            var (download, failure) = await LinkAsync(ns, $"spec.baseModel.flux.{field}", source, cached, cancellationToken).ConfigureAwait(false);
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

    private async Task<(ModelDownload? Download, ModelResolution? Failure)> LinkAsync(
        string ns, string field, UrlModelSource source, IReadOnlySet<string> cached, CancellationToken cancellationToken)
    {
        var url = new Uri(source.Url);
        if (source.TokenSecretRef is null || cached.Contains(source.Sha256))
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
