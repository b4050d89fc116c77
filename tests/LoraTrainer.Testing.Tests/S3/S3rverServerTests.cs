using LoraTrainer.Testing.S3;

namespace LoraTrainer.Testing.Tests.S3;

public sealed class S3rverServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_WhenInstalled_ServesBucketsOnLoopbackAndCleansUpOnDispose()
    {
        await SkipUnlessS3rverCanRunAsync();
        string dataDirectory;
        await using (var server = await S3rverServer.StartAsync(Ct))
        {
            dataDirectory = server.DataDirectory;
            var bucket = await server.NewBucketAsync(Ct);
            await server.EnsureBucketAsync(bucket, Ct);
            await server.PutObjectAsync(bucket, "a/b.txt", [1, 2, 3], Ct);

            Assert.Equal("127.0.0.1", server.ServiceUrl.Host);
            Assert.NotEqual(0, server.ServiceUrl.Port);
            Assert.Equal([1, 2, 3], await server.GetObjectAsync(bucket, "a/b.txt", Ct));
            Assert.Null(await server.GetObjectAsync(bucket, "missing", Ct));
            Assert.Equal(["a/b.txt"], await server.ListKeysAsync(bucket, cancellationToken: Ct));
        }

        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task ListKeysAsync_WhenBucketHoldsMoreThanOnePage_PagesThroughEveryKey()
    {
        await SkipUnlessS3rverCanRunAsync();
        await using var server = await S3rverServer.StartAsync(Ct);
        var bucket = await server.NewBucketAsync(Ct);
        await Parallel.ForEachAsync(Enumerable.Range(0, 30), Ct, async (i, ct) =>
            await server.PutObjectAsync(bucket, $"k{i:D4}", [], ct));

        // s3rver's continuation tokens need node's legacy OpenSSL provider: this fails with a 500 without it.
        var keys = await server.ListKeysAsync(bucket, pageSize: 7, cancellationToken: Ct);

        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"k{i:D4}"), keys);
    }

    [Fact]
    public async Task SeedObjects_WritesObjectsS3rverListsAndServesAsIfTheyWerePut()
    {
        await SkipUnlessS3rverCanRunAsync();
        await using var server = await S3rverServer.StartAsync(Ct);
        var bucket = await server.NewBucketAsync(Ct);
        await server.PutObjectAsync(bucket, "set/put.bin", [9, 9], Ct);

        server.SeedObjects(bucket, [new("set/a.bin", [1, 2, 3]), new("set/sub/b.bin", []), new("top.bin", [4])]);

        using var client = S3rverServer.ClientFor(server.ServiceUrl);
        var listing = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, Prefix = "set/" }, Ct);
        Assert.Equal(["set/a.bin", "set/put.bin", "set/sub/b.bin"], listing.S3Objects.Select(o => o.Key));
        Assert.Equal([3L, 2L, 0L], listing.S3Objects.Select(o => o.Size ?? -1));
        Assert.Equal("\"5289df737df57326fcdd22597afb1fac\"", listing.S3Objects[0].ETag);
        Assert.Equal([1, 2, 3], await server.GetObjectAsync(bucket, "set/a.bin", Ct));
        Assert.Equal([4], await server.GetObjectAsync(bucket, "top.bin", Ct));
    }

    internal static async Task SkipUnlessS3rverCanRunAsync()
    {
        if (await S3rverServer.EnsureInstalledAsync(Ct) is { } unavailable)
        {
            Assert.Skip(unavailable);
        }
    }
}
