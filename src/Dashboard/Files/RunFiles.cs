using LoraTrainer.Api;
using LoraTrainer.Dashboard.Runs;
using LoraTrainer.Storage;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Dashboard.Files;

/// <summary>
/// A run's images and LoRA files in its output bucket: sizes for the page, and presigned GETs made when a viewer
/// follows a link. The URLs are credentials for a few minutes: they go into a redirect, never into a page or a log.
/// </summary>
internal sealed class RunFiles(IObjectStoreFactory stores, IOptions<DashboardOptions> options, ILogger<RunFiles> logger)
{
    /// <summary>The size of each of the run's downloadable files that exists, by key.</summary>
    public async Task<IReadOnlyDictionary<string, long>> SizesAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        var store = stores.Create();
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (_, _, uri, _) in RunPresenter.Files(run))
        {
            try
            {
                if (await store.HeadAsync(uri.Bucket, uri.Key, cancellationToken) is { } head)
                {
                    sizes[uri.Key] = head.Size;
                }
            }
            catch (ObjectStoreException ex)
            {
                DashboardLog.HeadFailed(logger, uri.Bucket, uri.Key, ex.Message);
            }
        }

        return sizes;
    }

    /// <summary>A presigned GET of one sample image, or null when status lists none at that epoch and prompt.</summary>
    public Task<Uri?> SampleAsync(TrainingRun run, int epoch, int prompt)
    {
        var key = run.Status?.Epochs.FirstOrDefault(e => e.Epoch == epoch)?.Samples?.FirstOrDefault(s => s.Prompt == prompt)?.Key;
        return key is null ? Task.FromResult<Uri?>(null) : PresignAsync(new S3Uri(run.Spec.Output.S3.Bucket, key));
    }

    /// <summary>A presigned GET of the chosen LoRA (<paramref name="epoch"/> null) or of a kept epoch's; null when there is none.</summary>
    public Task<Uri?> LoraAsync(TrainingRun run, int? epoch)
    {
        var files = RunPresenter.Files(run);
        var file = epoch is null ? files.FirstOrDefault(f => f.Label.StartsWith("chosen", StringComparison.Ordinal)) : files.LastOrDefault(f => f.Epoch == epoch);
        return file.Uri is null ? Task.FromResult<Uri?>(null) : PresignAsync(file.Uri);
    }

    private async Task<Uri?> PresignAsync(S3Uri uri) => await stores.Create().PresignGetAsync(uri.Bucket, uri.Key, options.Value.PresignExpiry);
}
