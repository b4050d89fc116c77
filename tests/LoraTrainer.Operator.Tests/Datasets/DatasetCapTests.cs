using LoraTrainer.Operator.Datasets;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Options;
using static LoraTrainer.Operator.Tests.Datasets.DatasetZipperTests;

namespace LoraTrainer.Operator.Tests.Datasets;

/// <summary>
/// The listing caps against s3rver at their default size: 10,000 images (ten pages of 1,000) pass the count, the
/// 10,001st is refused. The listing is checked on its own: checking every image's first bytes as well would add
/// 10,000 ranged GETs that say nothing about paging. The objects are seeded into s3rver's data folder, because
/// 10,000 PUTs would take most of a minute on a busy machine; listing them goes through s3rver over HTTP.
/// </summary>
public sealed class DatasetCapTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const int DefaultMaxImages = 10_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListWithinCapsAsync_AtExactlyTheDefaultImageCap_ListsEveryPage_AndOneMoreImageIsRefused()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        var preflight = new DatasetPreflight(Options.Create(new DatasetOptions()));
        var image = TestImages.Jpeg(length: 16);
        server.SeedObjects(bucket, Enumerable.Range(0, DefaultMaxImages).Select(i => KeyValuePair.Create($"many/{i:D5}.jpg", image)));

        var (atCap, notRefused) = await preflight.ListWithinCapsAsync(Store(server), Request(bucket, "many"), Ct);
        await server.PutObjectAsync(bucket, "many/10000.jpg", image, Ct);
        var (_, overCap) = await preflight.ListWithinCapsAsync(Store(server), Request(bucket, "many"), Ct);

        Assert.Equal(DefaultMaxImages, new DatasetOptions().MaxImages);
        Assert.Null(notRefused);
        Assert.Equal(Enumerable.Range(0, DefaultMaxImages).Select(i => $"many/{i:D5}.jpg"), atCap.Select(o => o.Key));
        Assert.Equal(DatasetRefusalReason.TooManyImages, overCap?.Refusal?.Reason);
        Assert.Equal(
            $"more than 10,000 images under s3://{bucket}/many/, over the limit (Datasets:MaxImages): point spec.dataset.s3.prefix at a smaller folder.",
            overCap!.Refusal!.Message);
        TroubleshootingDoc.AssertExplains(overCap.Refusal.Message);
    }

    [Fact]
    public async Task CheckAsync_WhenThePrefixHoldsMoreFilesThanMaxObjects_RefusesWithoutListingTheRest()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        server.SeedObjects(bucket, Enumerable.Range(0, 12).Select(i => KeyValuePair.Create($"logs/{i:D2}.log", TestImages.Text("line"))));
        await server.PutObjectAsync(bucket, "logs/photo.jpg", TestImages.Jpeg(), Ct);
        var preflight = new DatasetPreflight(Options.Create(new DatasetOptions { MaxObjects = 5 }));
        var store = Store(server, Storage.S3rverStores.Options(server, o => o.ListPageSize = 2));

        var (listed, _) = await preflight.ListWithinCapsAsync(store, Request(bucket, "logs"), Ct);
        var result = await preflight.CheckAsync(store, Request(bucket, "logs"), Ct);

        Assert.Equal(6, listed.Count);
        Assert.Equal(DatasetRefusalReason.TooManyObjects, result.Refusal?.Reason);
        Assert.Equal(
            $"more than 5 files under s3://{bucket}/logs/, over the limit (Datasets:MaxObjects): point spec.dataset.s3.prefix at a folder that holds only the dataset.",
            result.Refusal!.Message);
        TroubleshootingDoc.AssertExplains(result.Refusal.Message);
    }
}
