using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Operator.Tests.Storage;
using LoraTrainer.Testing.S3;
using static LoraTrainer.Operator.Tests.Datasets.DatasetZipperTests;

namespace LoraTrainer.Operator.Tests.Datasets;

public sealed class DatasetPreflightTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PrepareAsync_WhenPrefixHasNoObjects_RefusesWithNoImagesUnderTheLocation()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        var store = new RecordingObjectStore(Store(server));

        var result = await Zipper(server).PrepareAsync(store, Request(bucket, "people/anna"), Ct);

        Assert.Equal(DatasetRefusalReason.NoImages, result.Refusal?.Reason);
        Assert.Equal(
            $"no images under s3://{bucket}/people/anna/: upload .jpg, .jpeg, .png, .webp or .bmp files there, or fix spec.dataset.s3.",
            result.Refusal!.Message);
        TroubleshootingDoc.AssertExplains(result.Refusal.Message);
        Assert.Empty(store.Started);
    }

    [Fact]
    public async Task CheckAsync_WhenThePrefixHoldsOnlyOtherFiles_RefusesNamingOneOfThem()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["one/notes.md"] = TestImages.Text("# notes"), ["two/a.heic"] = [1], ["two/b.heic"] = [2] });
        var preflight = new DatasetPreflight(Microsoft.Extensions.Options.Options.Create(new DatasetOptions()));

        var one = await preflight.CheckAsync(Store(server), Request(bucket, "one"), Ct);
        var two = await preflight.CheckAsync(Store(server), Request(bucket, "two"), Ct);

        Assert.Equal(
            $"no images under s3://{bucket}/one/ (1 other file: notes.md): upload .jpg, .jpeg, .png, .webp or .bmp files there, or fix spec.dataset.s3.",
            one.Refusal?.Message);
        Assert.Equal(
            $"no images under s3://{bucket}/two/ (2 other files, e.g. a.heic): upload .jpg, .jpeg, .png, .webp or .bmp files there, or fix spec.dataset.s3.",
            two.Refusal?.Message);
        TroubleshootingDoc.AssertExplains(one.Refusal!.Message);
        TroubleshootingDoc.AssertExplains(two.Refusal!.Message);
    }

    [Fact]
    public async Task CheckAsync_WhenOneFileIsNotAnImage_SaysSoInTheSingular()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/real.jpg"] = TestImages.Jpeg(), ["set/fake.png"] = TestImages.Text("<html>") });
        var preflight = new DatasetPreflight(Microsoft.Extensions.Options.Options.Create(new DatasetOptions()));

        var result = await preflight.CheckAsync(Store(server), Request(bucket, "set"), Ct);

        Assert.Equal(
            $"1 file is not an image under s3://{bucket}/set/: fake.png (starts like an HTML or XML document); replace it with a real JPEG, PNG, WebP or BMP file or remove it.",
            result.Refusal?.Message);
        TroubleshootingDoc.AssertExplains(result.Refusal!.Message);
    }

    [Fact]
    public async Task PrepareAsync_WhenFilesAreRenamedTextFiles_RefusesNamingEachAndWhatItLooksLike()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new()
        {
            ["set/real.jpg"] = TestImages.Jpeg(),
            ["set/a.jpg"] = TestImages.Text("this is a caption, not a photo"),
            ["set/b.png"] = [],
            ["set/c.webp"] = TestImages.Text("<!DOCTYPE html><html>"),
        });
        var store = new RecordingObjectStore(Store(server));

        var result = await Zipper(server).PrepareAsync(store, Request(bucket, "set"), Ct);

        Assert.Equal(DatasetRefusalReason.NotImages, result.Refusal?.Reason);
        Assert.Equal(
            $"3 files are not images under s3://{bucket}/set/: a.jpg (starts like a text file), b.png (is empty), c.webp (starts like an HTML or XML document); replace them with real JPEG, PNG, WebP or BMP files or remove them.",
            result.Refusal!.Message);
        TroubleshootingDoc.AssertExplains(result.Refusal.Message);
        Assert.Empty(store.Started);
        Assert.Empty(store.Reads);
    }

    [Fact]
    public async Task PrepareAsync_WhenImagesAreFewerThanTheBatchSize_RefusesSayingWhatToChange()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/a.jpg"] = TestImages.Jpeg(), ["set/b.jpg"] = TestImages.Jpeg(seed: 2) });

        var result = await Zipper(server).PrepareAsync(Store(server), Request(bucket, "set", batchSize: 4), Ct);

        Assert.Equal(DatasetRefusalReason.TooFewImages, result.Refusal?.Reason);
        Assert.Contains("only 2 images", result.Refusal!.Message);
        Assert.Contains("spec.training.batchSize", result.Refusal.Message);
        TroubleshootingDoc.AssertExplains(result.Refusal.Message);
    }

    [Fact]
    public async Task PrepareAsync_WhenImagesExceedTheCountOrSizeCap_Refuses()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new()
        {
            ["set/a.jpg"] = TestImages.Jpeg(), ["set/b.jpg"] = TestImages.Jpeg(seed: 2), ["set/c.jpg"] = TestImages.Jpeg(seed: 3),
        });

        var tooMany = await Zipper(server, new DatasetOptions { MaxImages = 2 }).PrepareAsync(Store(server), Request(bucket, "set"), Ct);
        var tooLarge = await Zipper(server, new DatasetOptions { MaxTotalBytes = 5_000 }).PrepareAsync(Store(server), Request(bucket, "set"), Ct);

        Assert.Equal(DatasetRefusalReason.TooManyImages, tooMany.Refusal?.Reason);
        Assert.Contains("more than 2 images", tooMany.Refusal!.Message);
        Assert.Equal(DatasetRefusalReason.TooLarge, tooLarge.Refusal?.Reason);
        Assert.Contains("5.9 KiB, over the limit of 4.9 KiB (Datasets:MaxTotalBytes)", tooLarge.Refusal!.Message);
        TroubleshootingDoc.AssertExplains(tooMany.Refusal.Message);
        TroubleshootingDoc.AssertExplains(tooLarge.Refusal.Message);
    }

    [Fact]
    public async Task PrepareAsync_WhenBucketDoesNotExist_RefusesNamingTheBucket()
    {
        var server = s3.Server;

        var result = await Zipper(server).PrepareAsync(Store(server), Request("missing-bucket", "set"), Ct);

        Assert.Equal(DatasetRefusalReason.StoreRefused, result.Refusal?.Reason);
        Assert.Contains("bucket 'missing-bucket' does not exist", result.Refusal!.Message);
        TroubleshootingDoc.AssertExplains(result.Refusal.Message);
    }

    [Fact]
    public async Task CheckAsync_WhenListingSpansManyPages_CountsEveryImage()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        var jpeg = TestImages.Jpeg(length: 64);
        await Parallel.ForEachAsync(Enumerable.Range(0, 120), Ct, async (i, ct) =>
            await server.PutObjectAsync(bucket, $"set/{i:D4}.jpg", jpeg, ct));
        var store = Store(server, S3rverStores.Options(server, o => o.ListPageSize = 25));
        var preflight = new DatasetPreflight(Microsoft.Extensions.Options.Options.Create(new DatasetOptions()));

        var result = await preflight.CheckAsync(store, Request(bucket, "set"), Ct);

        Assert.NotNull(result.Plan);
        Assert.Equal(120, result.Plan.Inventory.Images.Count);
        Assert.Equal(OutputKeys.DatasetZip(Request(bucket, "set").Output, result.Plan.ContentHash), result.Plan.Zip);
    }
}
