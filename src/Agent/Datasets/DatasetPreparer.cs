using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Running;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Datasets;

/// <summary>The dataset, ready for the trainer.</summary>
/// <param name="ImageDirectory">The flat, writable image folder.</param>
/// <param name="TomlPath">The dataset TOML for <c>--dataset_config</c>.</param>
/// <param name="Images">Images found.</param>
/// <param name="Captions">Images with a caption file.</param>
/// <param name="ZipBytes">Size of the downloaded zip.</param>
internal sealed record PreparedDataset(string ImageDirectory, string TomlPath, int Images, int Captions, long ZipBytes);

/// <summary>Downloads the dataset zip, unpacks it safely and writes the dataset TOML.</summary>
internal sealed class DatasetPreparer(ResumableDownloader downloader, WorkLayout work, IOptions<AgentOptions> options)
{
    /// <summary>Prepares <paramref name="source"/>; throws <see cref="StageFailure"/> (stage images) when it cannot.</summary>
    public async Task<PreparedDataset> PrepareAsync(DatasetSource source, CancellationToken cancellationToken)
    {
        var zip = await downloader.DownloadAsync(
            new DownloadRequest("dataset zip", Stages.Images, source.Url, null, work.DatasetZip, source.Bytes > 0 ? source.Bytes : null, null),
            cancellationToken);

        if (Directory.Exists(work.ImageDirectory))
        {
            Directory.Delete(work.ImageDirectory, recursive: true);
        }

        Directory.CreateDirectory(work.ImageDirectory);
        try
        {
            SafeZip.Extract(zip.Path, work.ImageDirectory, options.Value.MaxZipEntries, options.Value.MaxZipBytes);
        }
        catch (UnsafeZipException ex)
        {
            throw new StageFailure(Stages.Images, ex.Message, ex);
        }
        catch (InvalidDataException ex)
        {
            throw new StageFailure(Stages.Images, $"The dataset zip is damaged: {ex.Message}", ex);
        }

        DatasetFolder.Flatten(work.ImageDirectory);
        var captionExtension = DatasetToml.NormalizeExtension(source.Layout.CaptionExtension);
        var (images, captions) = DatasetFolder.Count(work.ImageDirectory, captionExtension);
        if (images == 0)
        {
            throw new StageFailure(Stages.Images, "The dataset zip holds no images (.png, .jpg, .jpeg, .webp or .bmp).");
        }

        if (!DatasetFolder.IsWritable(work.ImageDirectory))
        {
            throw new StageFailure(Stages.Images, "The image folder is not writable; the trainer writes its caches next to the images.");
        }

        await File.WriteAllTextAsync(work.DatasetToml, DatasetToml.Render(source.Layout, work.ImageDirectory), cancellationToken);
        return new PreparedDataset(work.ImageDirectory, work.DatasetToml, images, captions, zip.Bytes);
    }
}
