using System.IO.Compression;
using LoraTrainer.Api;
using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Operator.Tests.Storage;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Datasets;

public sealed class DatasetZipperTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PrepareAsync_WhenDatasetHasImagesAndCaptions_ZipExtractsToTheSameBytesWithCaptionsPaired()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        var files = new Dictionary<string, byte[]>
        {
            ["anna/one.jpg"] = TestImages.Jpeg(seed: 1), ["anna/one.txt"] = TestImages.Text("ohwx woman, smiling"),
            ["anna/two.PNG"] = TestImages.Png(seed: 2),
            ["anna/three.webp"] = TestImages.WebP(seed: 3), ["anna/three.TXT"] = TestImages.Text("ohwx woman, outdoors"),
            ["anna/old/four.bmp"] = TestImages.Bmp(seed: 4),
            ["anna/readme.md"] = TestImages.Text("# shoot notes"),
        };
        await Upload(server, bucket, files);
        var store = new RecordingObjectStore(Store(server));

        var result = await Zipper(server).PrepareAsync(store, Request(bucket, "anna", generated: null), Ct);

        Assert.True(result.IsReady, result.Refusal?.Message);
        var zip = await ReadZip(server, result.Zip!);
        Assert.Equal(["old_four.bmp", "one.jpg", "one.txt", "three.txt", "three.webp", "two.PNG"], zip.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(files["anna/one.jpg"], zip["one.jpg"].Bytes);
        Assert.Equal(files["anna/two.PNG"], zip["two.PNG"].Bytes);
        Assert.Equal(files["anna/three.webp"], zip["three.webp"].Bytes);
        Assert.Equal(files["anna/old/four.bmp"], zip["old_four.bmp"].Bytes);
        Assert.Equal("ohwx woman, smiling", System.Text.Encoding.UTF8.GetString(zip["one.txt"].Bytes));
        Assert.Equal("ohwx woman, outdoors", System.Text.Encoding.UTF8.GetString(zip["three.txt"].Bytes));
        Assert.All(zip.Values, e => Assert.Equal(e.Bytes.Length, e.CompressedLength));
        var status = result.Status!;
        Assert.Equal((4, 2, 0, 1), (status.Images, status.Captions, status.GeneratedCaptions, status.Skipped));
        Assert.Equal($"s3://{bucket}/out/datasets/{status.Sha256}.zip", status.Zip);
        Assert.Equal((await server.GetObjectAsync(bucket, result.Zip!.Key, Ct))!.Length, status.Bytes);
        Assert.Empty(server.PendingUploadIds(bucket));
    }

    [Fact]
    public async Task PrepareAsync_WhenTheSameImagesAreZippedAgain_ReusesTheZipWithoutUploadingOrReading()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/a.jpg"] = TestImages.Jpeg(), ["set/b.png"] = TestImages.Png() });
        var store = new RecordingObjectStore(Store(server));
        var zipper = Zipper(server);

        var first = await zipper.PrepareAsync(store, Request(bucket, "set"), Ct);
        var readsAfterFirst = store.Reads.Count;
        var second = await zipper.PrepareAsync(store, Request(bucket, "set"), Ct);

        Assert.False(first.Reused);
        Assert.True(second.Reused);
        Assert.Equal(first.Status, second.Status);
        Assert.Single(store.Started);
        Assert.Equal(readsAfterFirst, store.Reads.Count);
    }

    [Fact]
    public async Task PrepareAsync_WhenAnImageIsReplaced_WritesANewZip()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/a.jpg"] = TestImages.Jpeg(seed: 1) });
        var zipper = Zipper(server);
        var first = await zipper.PrepareAsync(Store(server), Request(bucket, "set"), Ct);

        await server.PutObjectAsync(bucket, "set/a.jpg", TestImages.Jpeg(seed: 99), Ct);
        var second = await zipper.PrepareAsync(Store(server), Request(bucket, "set"), Ct);

        Assert.False(second.Reused);
        Assert.NotEqual(first.Status!.Sha256, second.Status!.Sha256);
    }

    [Fact]
    public async Task PrepareAsync_WhenGeneratedCaptionsAreAsked_CaptionsOnlyImagesWithoutOne()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new()
        {
            ["set/a.jpg"] = TestImages.Jpeg(), ["set/a.txt"] = TestImages.Text("hand written"), ["set/b.png"] = TestImages.Png(),
        });

        var result = await Zipper(server).PrepareAsync(Store(server), Request(bucket, "set", generated: "ohwx woman"), Ct);

        var zip = await ReadZip(server, result.Zip!);
        Assert.Equal("hand written", System.Text.Encoding.UTF8.GetString(zip["a.txt"].Bytes));
        Assert.Equal("ohwx woman", System.Text.Encoding.UTF8.GetString(zip["b.txt"].Bytes));
        Assert.Equal((2, 1, 1), (result.Status!.Images, result.Status.Captions, result.Status.GeneratedCaptions));
    }

    [Fact]
    public async Task PrepareAsync_WhenCaptionsAreNotGenerated_LeavesImagesWithoutOneUncaptioned()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/a.jpg"] = TestImages.Jpeg(), ["set/b.png"] = TestImages.Png() });

        var result = await Zipper(server).PrepareAsync(Store(server), Request(bucket, "set", generated: null), Ct);

        var zip = await ReadZip(server, result.Zip!);
        Assert.Equal(["a.jpg", "b.png"], zip.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0, result.Status!.GeneratedCaptions);
    }

    [Fact]
    public async Task PrepareAsync_WhenAnImageIsLargerThanAPart_ZipsItByteIdenticalAcrossSeveralParts()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        var large = TestImages.Png(length: S3Limits.MinPartSize + 1_500_000, seed: 7);
        await Upload(server, bucket, new() { ["set/large.png"] = large, ["set/small.jpg"] = TestImages.Jpeg() });

        var result = await Zipper(server).PrepareAsync(Store(server), Request(bucket, "set"), Ct);

        var zip = await ReadZip(server, result.Zip!);
        Assert.Equal(large, zip["large.png"].Bytes);
        Assert.True(result.Status!.Bytes > S3Limits.MinPartSize);
    }

    [Fact]
    public async Task PrepareAsync_WhenAPartUploadFails_SendsTheAbortForThatUploadAndLeavesNoPartsNorZip()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/large.png"] = TestImages.Png(length: S3Limits.MinPartSize + 100_000) });
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        proxy.FailPart(2);
        var store = Store(server, S3rverStores.Options(server, o => o.ServiceUrl = proxy.BaseUrl.ToString()));

        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => Zipper(server).PrepareAsync(store, Request(bucket, "set"), Ct));

        var partsSentTo = proxy.Requests.Where(r => r.Method == "PUT" && r.Parameter("partNumber") is not null).Select(r => r.Parameter("uploadId")).Distinct();
        Assert.Equal(ObjectStoreErrorKind.Transient, error.Kind);
        Assert.EndsWith("failed with 500 InternalError; will retry.", error.Message);
        TroubleshootingDoc.AssertExplains(error.Message);
        Assert.Equal(partsSentTo, proxy.AbortedUploads);
        Assert.Single(proxy.AbortedUploads);
        Assert.Empty(server.PendingUploadIds(bucket));
        Assert.DoesNotContain(await server.ListKeysAsync(bucket, cancellationToken: Ct), k => k.EndsWith(".zip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PrepareAsync_WhenReadingAnImageFails_AbortsTheUploadAndWritesNoZip()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/a.jpg"] = TestImages.Jpeg(), ["set/b.jpg"] = TestImages.Jpeg(seed: 5) });
        var store = new RecordingObjectStore(Store(server)) { FailReadOf = "set/b.jpg" };

        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => Zipper(server).PrepareAsync(store, Request(bucket, "set"), Ct));

        Assert.Equal(ObjectStoreErrorKind.Transient, error.Kind);
        Assert.Equal($"reading s3://{bucket}/set/b.jpg broke off (IOException); will zip the dataset again.", error.Message);
        TroubleshootingDoc.AssertExplains(error.Message);

        Assert.Single(store.Aborted);
        Assert.Equal(store.Started, store.Aborted);
        Assert.DoesNotContain(await server.ListKeysAsync(bucket, cancellationToken: Ct), k => k.EndsWith(".zip", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PrepareAsync_WhenAnImageIsReplacedWhileItIsZipped_AbortsTheUploadAndSaysItChanged()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await Upload(server, bucket, new() { ["set/a.jpg"] = TestImages.Jpeg(), ["set/b.jpg"] = TestImages.Jpeg(seed: 5) });
        var store = new RecordingObjectStore(Store(server))
        {
            BeforeRead = key => key == "set/b.jpg" ? server.PutObjectAsync(bucket, key, TestImages.Jpeg(length: 3_000, seed: 6), Ct) : Task.CompletedTask,
        };

        var error = await Assert.ThrowsAsync<ObjectStoreException>(() => Zipper(server).PrepareAsync(store, Request(bucket, "set"), Ct));

        Assert.Equal(ObjectStoreErrorKind.Transient, error.Kind);
        Assert.Equal($"s3://{bucket}/set/b.jpg changed while it was zipped (3000 bytes read, 2000 listed); will check the dataset again.", error.Message);
        TroubleshootingDoc.AssertExplains(error.Message);
        Assert.Equal(store.Started, store.Aborted);
        Assert.DoesNotContain(await server.ListKeysAsync(bucket, cancellationToken: Ct), k => k.EndsWith(".zip", StringComparison.Ordinal));
    }

    internal static DatasetZipper Zipper(S3rverServer server, DatasetOptions? datasets = null) =>
        new(new DatasetPreflight(Options.Create(datasets ?? new DatasetOptions())),
            Options.Create(S3rverStores.Options(server)),
            NullLogger<DatasetZipper>.Instance);

    internal static IObjectStore Store(S3rverServer server, S3Options? options = null) =>
        S3rverStores.Factory(options ?? S3rverStores.Options(server)).Create(S3rverStores.Credentials);

    internal static DatasetRequest Request(string bucket, string prefix, string? generated = null, int batchSize = 1) =>
        new(new S3Location { Bucket = bucket, Prefix = prefix }, new S3Location { Bucket = bucket, Prefix = "out/" }, batchSize, generated);

    internal static async Task Upload(S3rverServer server, string bucket, Dictionary<string, byte[]> files)
    {
        foreach (var (key, content) in files)
        {
            await server.PutObjectAsync(bucket, key, content, Ct);
        }
    }

    private static async Task<Dictionary<string, (byte[] Bytes, long CompressedLength)>> ReadZip(S3rverServer server, S3Uri zip)
    {
        var bytes = await server.GetObjectAsync(zip.Bucket, zip.Key, Ct);
        Assert.NotNull(bytes);
        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var entries = new Dictionary<string, (byte[], long)>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            await using var content = await entry.OpenAsync(Ct);
            using var copy = new MemoryStream();
            await content.CopyToAsync(copy, Ct);
            entries[entry.FullName] = (copy.ToArray(), entry.CompressedLength);
        }

        return entries;
    }
}
