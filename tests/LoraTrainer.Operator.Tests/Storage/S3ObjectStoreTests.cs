using LoraTrainer.Operator.Storage;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.Storage;

public sealed class S3ObjectStoreTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PutAsync_WhenChecksumModeIsWhenRequired_ReadsBackTheBytesWritten()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server));
        var store = factory.Create(S3rverStores.Credentials);
        var written = RandomBytes(300_000, seed: 1);

        await store.PutAsync(bucket, "data/blob.bin", new MemoryStream(written), "application/octet-stream", null, Ct);

        await using var read = await store.OpenReadAsync(bucket, "data/blob.bin", Ct);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        Assert.Equal(written, copy.ToArray());
        Assert.Equal(written[..32], await store.ReadPrefixAsync(bucket, "data/blob.bin", 32, Ct));
    }

    [Fact]
    public async Task UploadFileAsync_RecordsTheFilesSha256_AndDownloadFileAsyncWritesTheBytesAndReturnsTheirSha256()
    {
        var bucket = await s3.Server.NewBucketAsync(Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(s3.Server));
        var store = factory.Create(S3rverStores.Credentials);
        var folder = Directory.CreateTempSubdirectory();
        var written = RandomBytes(200_000, seed: 6);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(written));
        await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "a.png"), written, Ct);

        await store.UploadFileAsync(bucket, "images/a.png", Path.Combine(folder.FullName, "a.png"), sha256, Ct);
        var read = await store.DownloadFileAsync(bucket, "images/a.png", Path.Combine(folder.FullName, "out", "a.png"), Ct);

        Assert.Equal(sha256, await store.RecordedSha256Async(bucket, "images/a.png", Ct));
        Assert.Null(await store.RecordedSha256Async(bucket, "images/missing.png", Ct));
        Assert.Equal(sha256, read);
        Assert.Equal(written, await File.ReadAllBytesAsync(Path.Combine(folder.FullName, "out", "a.png"), Ct));
        Assert.Equal(["a.png"], Directory.GetFiles(Path.Combine(folder.FullName, "out")).Select(Path.GetFileName));
        folder.Delete(recursive: true);
    }

    [Fact]
    public async Task PutAsync_WhenChunkedEncodingIsForcedOn_S3rverStoresTheChunkFramingInsteadOfTheBytes()
    {
        // Why ChunkedEncoding follows the checksum mode: stores that do not decode aws-chunked keep the framing.
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server, o => o.ChunkedEncoding = true));
        var written = RandomBytes(100_000, seed: 2);

        await factory.Create(S3rverStores.Credentials).PutAsync(bucket, "framed.bin", new MemoryStream(written), null, null, Ct);

        var stored = await server.GetObjectAsync(bucket, "framed.bin", Ct);
        Assert.NotEqual(written, stored);
        Assert.True(stored!.Length > written.Length);
    }

    [Fact]
    public async Task MultipartUploadStream_WhenWritingMoreThanTwoParts_StoresTheExactBytesAndLeavesNoPendingUpload()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server));
        var store = factory.Create(S3rverStores.Credentials);
        var written = RandomBytes((2 * S3Limits.MinPartSize) + 123_457, seed: 3);
        var upload = await store.StartMultipartUploadAsync(bucket, "big.bin", null, null, Ct);

        await using (var stream = new MultipartUploadStream(upload, S3Limits.MinPartSize, maxInFlight: 2))
        {
            for (var offset = 0; offset < written.Length; offset += 777_777)
            {
                await stream.WriteAsync(written.AsMemory(offset, Math.Min(777_777, written.Length - offset)), Ct);
            }

            await stream.CompleteAsync(Ct);
            Assert.Equal(3, stream.PartsStarted);
            Assert.Equal(written.Length, stream.BytesWritten);
        }

        Assert.Equal(written, await server.GetObjectAsync(bucket, "big.bin", Ct));
        Assert.Empty(server.PendingUploadIds(bucket));
    }

    [Fact]
    public async Task ListAsync_WhenPrefixSpansSeveralPages_ReturnsEveryObjectUnderThePrefixOnce()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        for (var i = 0; i < 23; i++)
        {
            await server.PutObjectAsync(bucket, $"set/{i:D3}.txt", [(byte)i], Ct);
        }

        await server.PutObjectAsync(bucket, "setting.txt", [1], Ct);
        await server.PutObjectAsync(bucket, "other/1.txt", [1], Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server, o => o.ListPageSize = 5));

        var listed = await factory.Create(S3rverStores.Credentials).ListAsync(bucket, "set/", Ct).ToListAsync(Ct);

        Assert.Equal(Enumerable.Range(0, 23).Select(i => $"set/{i:D3}.txt"), listed.Select(o => o.Key));
        Assert.All(listed, o => Assert.Equal(1, o.Size));
        Assert.All(listed, o => Assert.StartsWith("\"", o.ETag));
    }

    [Fact]
    public async Task HeadAsync_WhenObjectExistsOrNot_ReturnsItsSizeAndETagOrNull()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        await server.PutObjectAsync(bucket, "a.bin", new byte[1234], Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server));
        var store = factory.Create(S3rverStores.Credentials);

        var head = await store.HeadAsync(bucket, "a.bin", Ct);
        var missing = await store.HeadAsync(bucket, "b.bin", Ct);

        Assert.NotNull(head);
        Assert.Equal(1234, head.Size);
        Assert.NotEmpty(head.ETag);
        Assert.Null(missing);
    }

    [Fact]
    public async Task ListAsync_WhenBucketDoesNotExist_ThrowsNoSuchBucketNamingTheBucket()
    {
        using var factory = S3rverStores.Factory(S3rverStores.Options(s3.Server));

        var error = await Assert.ThrowsAsync<ObjectStoreException>(
            () => factory.Create(S3rverStores.Credentials).ListAsync("no-such-bucket", "", Ct).ToListAsync(Ct).AsTask());

        Assert.Equal(ObjectStoreErrorKind.NoSuchBucket, error.Kind);
        Assert.True(error.IsUserFixable);
        Assert.Contains("bucket 'no-such-bucket' does not exist", error.Message);
    }

    [Fact]
    public async Task ListAsync_WhenKeyIdIsUnknown_NamesTheCredentialButNeverTheSecret()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server));
        var credentials = new S3Credentials("AKIAUNKNOWN", "very-secret-value", "Secret ml-team/s3");

        var error = await Assert.ThrowsAsync<ObjectStoreException>(
            () => factory.Create(credentials).ListAsync(bucket, "", Ct).ToListAsync(Ct).AsTask());

        Assert.Equal(ObjectStoreErrorKind.InvalidCredentials, error.Kind);
        Assert.Contains("AKIAUNKNOWN (Secret ml-team/s3)", error.Message);
        Assert.DoesNotContain("very-secret-value", error.ToString());
    }

    [Fact]
    public async Task PresignGetAsync_WhenUsedByAPlainHttpClient_DownloadsTheObject()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        var content = RandomBytes(50_000, seed: 4);
        await server.PutObjectAsync(bucket, "datasets/x.zip", content, Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server));

        var url = await factory.Create(S3rverStores.Credentials).PresignGetAsync(bucket, "datasets/x.zip", TimeSpan.FromMinutes(10));

        using var http = new HttpClient();
        Assert.Equal("http", url.Scheme);
        Assert.Contains("X-Amz-Signature=", url.Query);
        ArtifactPresignerTests.AssertExpiresIn(url, TimeSpan.FromMinutes(10));
        Assert.Equal(content, await http.GetByteArrayAsync(url, Ct));
    }

    [Fact]
    public async Task PresignPutAsync_WhenUsedByAPlainHttpClient_StoresTheBody()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        var content = RandomBytes(70_000, seed: 5);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server));

        var url = await factory.Create(S3rverStores.Credentials).PresignPutAsync(bucket, "loras/run.safetensors", TimeSpan.FromHours(1));
        using var http = new HttpClient();
        using var response = await http.PutAsync(url, new ByteArrayContent(content), Ct);

        response.EnsureSuccessStatusCode();
        Assert.Equal(content, await server.GetObjectAsync(bucket, "loras/run.safetensors", Ct));
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
