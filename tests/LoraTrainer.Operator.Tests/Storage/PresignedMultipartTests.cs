using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Storage;

public sealed class PresignedMultipartTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const long MiB = 1024 * 1024;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0, 5 * MiB, 1)]
    [InlineData(600 * MiB, 19 * MiB, 64)]
    [InlineData(7L * 1024 * MiB, 224 * MiB, 64)]
    public void Plan_GivesRoomForTwiceTheExpectedSizeInAtMost64WholeMebibyteParts(long expected, long partSize, int parts)
    {
        var plan = PresignedMultipart.Plan(expected);

        Assert.Equal((partSize, parts), plan);
        Assert.True(plan.PartSize * plan.Parts >= 2 * expected);
    }

    [Fact]
    public void Plan_ForAFileBeyondWhat64PartsOf5GiBHold_StillKeepsEachPartWithinS3sLimit()
    {
        var plan = PresignedMultipart.Plan(400L * 1024 * 1024 * MiB);

        Assert.Equal(PresignedMultipart.MaxPartBytes, plan.PartSize);
        Assert.True(plan.Parts <= S3Limits.MaxParts);
    }

    [Fact]
    public async Task CompleteAsync_WhenEveryPartWasPutThroughItsPresignedUrl_StoresTheExactBytesAndLeavesNoPendingUpload()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server));
        var store = factory.Create(S3rverStores.Credentials);
        var multipart = new PresignedMultipart(Options.Create(new S3Options()));
        var content = S3ObjectStoreTests.RandomBytes((int)(6 * MiB) + 4321, seed: 20);
        var target = new S3Uri(bucket, "state/run-000002.tar");

        var upload = await multipart.StartAsync(store, target, content.Length, Ct);
        using var http = new HttpClient();
        var parts = new List<UploadedPartETag>();
        for (var offset = 0L; offset < content.Length; offset += upload.PartSize)
        {
            var part = upload.Parts[parts.Count];
            var body = new ByteArrayContent(content, (int)offset, (int)Math.Min(upload.PartSize, content.Length - offset));
            using var response = await http.PutAsync(part.Url, body, Ct);
            response.EnsureSuccessStatusCode();
            parts.Add(new UploadedPartETag { PartNumber = part.PartNumber, ETag = response.Headers.ETag!.Tag });
        }

        await PresignedMultipart.CompleteAsync(store, target, upload.UploadId, parts, Ct);

        Assert.Equal(2, parts.Count);
        Assert.Equal(content, await server.GetObjectAsync(bucket, target.Key, Ct));
        Assert.Empty(server.PendingUploadIds(bucket));
    }

    [Fact]
    public async Task AbortAsync_DiscardsThePartsSentAndToleratesAnUploadAlreadyGone()
    {
        var server = s3.Server;
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        var bucket = await server.NewBucketAsync(Ct);
        using var factory = S3rverStores.Factory(S3rverStores.Options(server, o => o.ServiceUrl = proxy.BaseUrl.ToString()));
        var store = factory.Create(S3rverStores.Credentials);
        var multipart = new PresignedMultipart(Options.Create(new S3Options()));
        var target = new S3Uri(bucket, "state/run-000001.tar");
        var upload = await multipart.StartAsync(store, target, MiB, Ct);
        using var http = new HttpClient();
        using (var response = await http.PutAsync(upload.Parts[0].Url, new ByteArrayContent(new byte[1000]), Ct))
        {
            response.EnsureSuccessStatusCode();
        }

        await PresignedMultipart.AbortAsync(store, target, upload.UploadId, Ct);
        await PresignedMultipart.AbortAsync(store, target, upload.UploadId, Ct);

        Assert.Equal([upload.UploadId], proxy.AbortedUploads);
        Assert.Empty(server.PendingUploadIds(bucket));
    }
}
