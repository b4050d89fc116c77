using LoraTrainer.Datasets;
using LoraTrainer.Operator.Storage;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Datasets;

/// <summary>Decides, before any GPU is rented, whether a dataset can train; a refusal says what to fix.</summary>
/// <remarks>
/// Reads only the listing and the first <see cref="ImageSignature.HeaderLength"/> bytes of each image (a ranged
/// GET), so checking costs seconds even for thousands of images. The cheap checks (count, size, names) run first.
/// A store error that only the user can fix (credential, permissions, bucket) is a refusal too; passing outages
/// propagate as <see cref="ObjectStoreException"/> for the caller to retry.
/// </remarks>
internal sealed class DatasetPreflight(IOptions<DatasetOptions> options)
{
    /// <summary>Checks the dataset <paramref name="request"/> names.</summary>
    public async Task<PreflightResult> CheckAsync(IObjectStore store, DatasetRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await CheckCoreAsync(store, request, cancellationToken);
        }
        catch (ObjectStoreException e) when (e.IsUserFixable)
        {
            return PreflightResult.Refuse(DatasetRefusalReason.StoreRefused, e.Message);
        }
    }

    private async Task<PreflightResult> CheckCoreAsync(IObjectStore store, DatasetRequest request, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var source = request.SourceDisplay;
        var (listing, overCap) = await ListWithinCapsAsync(store, request, cancellationToken);
        if (overCap is not null)
        {
            return overCap;
        }

        var inventory = DatasetInventory.From(listing, request.SourcePrefix);
        var images = inventory.Images;
        if (images.Count == 0)
        {
            var others = inventory.Skipped.Count switch
            {
                0 => "",
                1 => $" (1 other file: {Relative(inventory.Skipped[0].Key, request)})",
                var count => $" ({count} other files, e.g. {Relative(inventory.Skipped[0].Key, request)})",
            };
            return PreflightResult.Refuse(DatasetRefusalReason.NoImages,
                $"no images under {source}{others}: upload .jpg, .jpeg, .png, .webp or .bmp files there, or fix spec.dataset.s3.");
        }

        if (inventory.TotalBytes > limits.MaxTotalBytes)
        {
            return PreflightResult.Refuse(DatasetRefusalReason.TooLarge,
                $"the images under {source} total {ByteSize.Format(inventory.TotalBytes)}, over the limit of {ByteSize.Format(limits.MaxTotalBytes)} (Datasets:MaxTotalBytes): use fewer or smaller images.");
        }

        if (inventory.NameClashes.Count > 0)
        {
            var pairs = inventory.NameClashes.Select(c => $"{Relative(c.First, request)} and {Relative(c.Second, request)}");
            return PreflightResult.Refuse(DatasetRefusalReason.NameClash,
                $"{inventory.NameClashes.Count} pairs of files under {source} would share a name in the flat dataset zip: {NameSome(pairs.ToList(), limits)}; rename one of each pair.");
        }

        if (images.Count < request.BatchSize)
        {
            return PreflightResult.Refuse(DatasetRefusalReason.TooFewImages,
                $"only {images.Count} images under {source}, fewer than the batch size {request.BatchSize}: add images or lower spec.training.batchSize.");
        }

        var notImages = await FindNonImagesAsync(store, request, images, limits, cancellationToken);
        if (notImages.Count > 0)
        {
            return PreflightResult.Refuse(DatasetRefusalReason.NotImages, notImages.Count == 1
                ? $"1 file is not an image under {source}: {notImages[0]}; replace it with a real JPEG, PNG, WebP or BMP file or remove it."
                : $"{notImages.Count} files are not images under {source}: {NameSome(notImages, limits)}; replace them with real JPEG, PNG, WebP or BMP files or remove them.");
        }

        var hash = DatasetContentHash.Compute(inventory, request.GeneratedCaption);
        return PreflightResult.Pass(new DatasetPlan(request, inventory, hash, OutputKeys.DatasetZip(request.Output, hash)));
    }

    /// <summary>
    /// Lists the prefix page by page, counting every object against <see cref="DatasetOptions.MaxObjects"/> and images
    /// against <see cref="DatasetOptions.MaxImages"/>; stops at the first object over a cap, with the refusal.
    /// </summary>
    internal async Task<(IReadOnlyList<StoredObject> Listing, PreflightResult? OverCap)> ListWithinCapsAsync(
        IObjectStore store, DatasetRequest request, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var listing = new List<StoredObject>();
        var imageCount = 0;
        await foreach (var item in store.ListAsync(request.Source.Bucket, request.SourcePrefix, cancellationToken))
        {
            // Stop listing: a prefix pointed at a whole archive must not take hours to refuse.
            listing.Add(item);
            if (listing.Count > limits.MaxObjects)
            {
                return (listing, PreflightResult.Refuse(DatasetRefusalReason.TooManyObjects,
                    $"more than {limits.MaxObjects:N0} files under {request.SourceDisplay}, over the limit (Datasets:MaxObjects): point spec.dataset.s3.prefix at a folder that holds only the dataset."));
            }

            if (DatasetInventory.ImageExtensions.Contains(Path.GetExtension(item.Key)) && ++imageCount > limits.MaxImages)
            {
                return (listing, PreflightResult.Refuse(DatasetRefusalReason.TooManyImages,
                    $"more than {limits.MaxImages:N0} images under {request.SourceDisplay}, over the limit (Datasets:MaxImages): point spec.dataset.s3.prefix at a smaller folder."));
            }
        }

        return (listing, null);
    }

    private static async Task<List<string>> FindNonImagesAsync(
        IObjectStore store, DatasetRequest request, IReadOnlyList<DatasetImage> images, DatasetOptions limits, CancellationToken cancellationToken)
    {
        var verdicts = new string?[images.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, images.Count),
            new ParallelOptions { MaxDegreeOfParallelism = limits.PreflightConcurrency, CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                var image = images[i].Object;
                var head = image.Size == 0
                    ? []
                    : await store.ReadPrefixAsync(request.Source.Bucket, image.Key, ImageSignature.HeaderLength, ct);
                verdicts[i] = ImageSignature.Detect(head) is null
                    ? $"{Relative(image.Key, request)} ({ImageSignature.DescribeNonImage(head)})"
                    : null;
            });
        return [.. verdicts.OfType<string>()];
    }

    private static string NameSome(IReadOnlyList<string> items, DatasetOptions limits) =>
        items.Count <= limits.FilesNamedInMessages
            ? string.Join(", ", items)
            : $"{string.Join(", ", items.Take(limits.FilesNamedInMessages))} and {items.Count - limits.FilesNamedInMessages} more";

    private static string Relative(string key, DatasetRequest request) => key[request.SourcePrefix.Length..];
}
