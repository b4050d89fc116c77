using LoraTrainer.Agent.Running;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Downloads;

/// <summary>The base model on disk.</summary>
/// <param name="Checkpoint">The checkpoint.</param>
/// <param name="ExtraFiles">Extra files by the trainer argument that takes them.</param>
internal sealed record DownloadedModel(DownloadedFile Checkpoint, IReadOnlyDictionary<string, string> ExtraFiles);

/// <summary>Downloads the checkpoint and, for Flux, its text encoders and autoencoder, each verified.</summary>
internal sealed class ModelDownloads(ResumableDownloader downloader, WorkLayout work)
{
    /// <summary>Downloads every file of <paramref name="model"/>; throws <see cref="StageFailure"/> (stage model).</summary>
    public async Task<DownloadedModel> DownloadAsync(ModelSource model, CancellationToken cancellationToken)
    {
        var checkpoint = await downloader.DownloadAsync(
            new DownloadRequest("model checkpoint", Stages.Model, model.Url, model.Authorization, work.ModelFile(model.FileName), model.Bytes, model.Sha256),
            cancellationToken);

        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in model.ExtraFiles)
        {
            var downloaded = await downloader.DownloadAsync(
                new DownloadRequest($"model file for {file.Argument}", Stages.Model, file.Url, file.Authorization, work.ModelFile(file.FileName), file.Bytes, file.Sha256),
                cancellationToken);
            extra[file.Argument] = downloaded.Path;
        }

        return new DownloadedModel(checkpoint, extra);
    }
}
