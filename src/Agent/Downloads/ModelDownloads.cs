using LoraTrainer.Agent.Reporting;
using LoraTrainer.Agent.Running;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Agent.Downloads;

/// <summary>The base model on disk.</summary>
/// <param name="Checkpoint">The checkpoint.</param>
/// <param name="ExtraFiles">Extra files by the trainer argument that takes them.</param>
/// <param name="ToCache">Files downloaded from their source that the model cache is waiting for.</param>
internal sealed record DownloadedModel(DownloadedFile Checkpoint, IReadOnlyDictionary<string, string> ExtraFiles, IReadOnlyList<CacheFill> ToCache);

/// <summary>A verified file to send to the model cache.</summary>
/// <param name="What">Names the file in messages.</param>
/// <param name="Path">The verified file.</param>
/// <param name="Upload">The multipart upload the operator started for it.</param>
internal sealed record CacheFill(string What, string Path, MultipartUploadTarget Upload);

/// <summary>
/// Downloads the checkpoint and, for Flux, its text encoders and autoencoder, each verified. A file the model cache
/// holds is read from the cache; when its bytes do not have the file's SHA-256, the agent reports
/// <c>modelCacheRejected</c> and downloads it from its source instead.
/// </summary>
internal sealed class ModelDownloads(ResumableDownloader downloader, WorkLayout work, EventReporter reporter, ILogger<ModelDownloads> logger)
{
    /// <summary>Downloads every file of <paramref name="model"/>; throws <see cref="StageFailure"/> (stage model).</summary>
    public async Task<DownloadedModel> DownloadAsync(ModelSource model, CancellationToken cancellationToken)
    {
        var toCache = new List<CacheFill>();
        var checkpoint = await DownloadAsync("model checkpoint", model.Url, model.Authorization, model.FileName, model.Bytes, model.Sha256, model.Cache, toCache, cancellationToken);

        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in model.ExtraFiles)
        {
            var downloaded = await DownloadAsync($"model file for {file.Argument}", file.Url, file.Authorization, file.FileName, file.Bytes, file.Sha256, file.Cache, toCache, cancellationToken);
            extra[file.Argument] = downloaded.Path;
        }

        return new DownloadedModel(checkpoint, extra, toCache);
    }

    private async Task<DownloadedFile> DownloadAsync(
        string what, string url, string? authorization, string fileName, long? bytes, string? sha256, ModelCacheEntry? cache, List<CacheFill> toCache, CancellationToken cancellationToken)
    {
        var destination = work.ModelFile(fileName);
        if (cache is { Hit: true, Fallback: { } fallback } && sha256 is { Length: > 0 })
        {
            try
            {
                return await downloader.DownloadAsync(new DownloadRequest($"{what} (from the model cache)", Stages.Model, url, null, destination, bytes, sha256), cancellationToken);
            }
            catch (StageFailure failure)
            {
                // Whatever the cache served (other bytes, a size cut short, an object gone), the source still has the
                // file; no byte of the cache's may be resumed from.
                File.Delete(destination + ".part");
                DownloadLog.CacheRejected(logger, what, failure.Message);
                reporter.Report(new AgentEvent { Kind = EventKinds.ModelCacheRejected, Key = cache.Key });
                (url, authorization) = (fallback.Url, fallback.Authorization);
            }
        }

        var downloaded = await downloader.DownloadAsync(new DownloadRequest(what, Stages.Model, url, authorization, destination, bytes, sha256), cancellationToken);
        if (cache is { Hit: false, Upload: { } upload })
        {
            toCache.Add(new CacheFill(what, downloaded.Path, upload));
        }

        return downloaded;
    }
}
