using LoraTrainer.Api;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Storage;

/// <summary>Presigns what the GPU agent reads and writes: a GET for the dataset zip, PUTs for the trained files.</summary>
/// <remarks>
/// Expiry comes from <see cref="S3Options.PresignGetExpiry"/> and <see cref="S3Options.PresignPutExpiry"/>. The agent
/// fetches its config again for fresh URLs, so these need to outlive one boot or one upload, not the whole run.
/// The URLs are credentials in all but name: never log them.
/// </remarks>
internal sealed class ArtifactPresigner(IOptions<S3Options> options)
{
    /// <summary>A presigned GET of the dataset zip.</summary>
    public Task<Uri> DatasetDownloadAsync(IObjectStore store, S3Uri zip) =>
        store.PresignGetAsync(zip.Bucket, zip.Key, options.Value.PresignGetExpiry);

    /// <summary>
    /// Presigned PUTs for the run's outputs: always the best epoch under the run's name, plus one per epoch
    /// (1…<paramref name="totalEpochs"/>) when the run keeps every epoch (<see cref="OutputKeys.KeepsEveryEpoch"/>), and
    /// one per sampled epoch and prompt of <paramref name="samples"/>.
    /// </summary>
    /// <param name="savesState">Whether the run saves its training state (<c>runPolicy.saveStateEveryNEpochs</c>).</param>
    public async Task<OutputTargets> OutputTargetsAsync(IObjectStore store, OutputSpec output, string runName, int totalEpochs, SamplePlan? samples = null, bool savesState = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(totalEpochs);
        var expiry = options.Value.PresignPutExpiry;
        var best = OutputKeys.Best(output.S3, runName);
        var epochs = new List<EpochUploadTarget>();
        if (OutputKeys.KeepsEveryEpoch(output, savesState))
        {
            for (var epoch = 1; epoch <= totalEpochs; epoch++)
            {
                var key = OutputKeys.Epoch(output.S3, runName, epoch);
                var url = await store.PresignPutAsync(key.Bucket, key.Key, expiry);
                epochs.Add(new EpochUploadTarget { Epoch = epoch, Key = key.Key, Url = url.AbsoluteUri });
            }
        }

        var images = new List<SampleUploadTarget>();
        foreach (var epoch in samples?.SampledEpochs(totalEpochs) ?? [])
        {
            for (var prompt = 0; prompt < samples!.Prompts.Count; prompt++)
            {
                var key = OutputKeys.Sample(output.S3, runName, epoch, prompt);
                var url = await store.PresignPutAsync(key.Bucket, key.Key, expiry);
                images.Add(new SampleUploadTarget { Epoch = epoch, Prompt = prompt, Key = key.Key, Url = url.AbsoluteUri });
            }
        }

        var bestUrl = await store.PresignPutAsync(best.Bucket, best.Key, expiry);
        return new OutputTargets
        {
            Best = new UploadTarget { Key = best.Key, Url = bestUrl.AbsoluteUri },
            Epochs = epochs,
            Samples = images,
        };
    }
}
