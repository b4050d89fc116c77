using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Testing.Tests.S3;

public sealed class S3rverProxyTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AbortMultipartUpload_ThroughTheProxy_AnswersLikeS3AndLeavesNoParts()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        var started = await client.InitiateMultipartUploadAsync(bucket, "big.zip", Ct);
        await UploadPartAsync(client, bucket, started.UploadId, partNumber: 1);
        Assert.Equal([started.UploadId], server.PendingUploadIds(bucket));

        var aborted = await client.AbortMultipartUploadAsync(bucket, "big.zip", started.UploadId, Ct);
        var again = await Assert.ThrowsAsync<NoSuchUploadException>(() => client.AbortMultipartUploadAsync(bucket, "big.zip", started.UploadId, Ct));

        Assert.Equal(HttpStatusCode.NoContent, aborted.HttpStatusCode);
        Assert.Empty(server.PendingUploadIds(bucket));
        Assert.Equal([started.UploadId], proxy.AbortedUploads);
        Assert.Equal("NoSuchUpload", again.ErrorCode);
    }

    [Fact]
    public async Task FailPart_MakesThatPartFailEveryTime_WhileOtherPartsAndRequestsPassThrough()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        proxy.FailPart(2);
        var started = await client.InitiateMultipartUploadAsync(bucket, "big.zip", Ct);

        await UploadPartAsync(client, bucket, started.UploadId, partNumber: 1);
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => UploadPartAsync(client, bucket, started.UploadId, partNumber: 2));
        await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }, Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(1, proxy.ListingsOf(bucket));
        Assert.Contains(proxy.Requests, r => r is { Method: "POST", Key: "big.zip" } && r.Query.Contains("uploads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FailUploads_RefusesTheNextPutsIntoTheBucketWithSlowDown_WhichTheClientRetries()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        proxy.FailUploads(bucket, times: 2);

        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "a", ContentBody = "x", UseChunkEncoding = false }, Ct);

        Assert.Equal(2, proxy.RefusedPuts);
        Assert.Equal(3, proxy.Requests.Count(r => r is { Method: "PUT", Key: "a" }));
        Assert.Equal("x"u8.ToArray(), await server.GetObjectAsync(bucket, "a", Ct));
    }

    [Fact]
    public async Task CopyObject_OfAKeyWithSlashesAndSpaces_CopiesTheObjectAsS3Does()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        const string source = "runs/my run/epoch 2 (ä).safetensors";
        await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = source, ContentBody = "weights", UseChunkEncoding = false }, Ct);

        await client.CopyObjectAsync(new CopyObjectRequest
        {
            SourceBucket = bucket, SourceKey = source, DestinationBucket = bucket, DestinationKey = "runs/my run/lora.safetensors",
        }, Ct);

        Assert.Equal("weights"u8.ToArray(), await server.GetObjectAsync(bucket, "runs/my run/lora.safetensors", Ct));
    }

    [Fact]
    public async Task CompleteMultipartUpload_WithAnETagThatIsNotThePartsOrAPartNeverSent_AnswersInvalidPartAsS3Does()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        var started = await client.InitiateMultipartUploadAsync(bucket, "big.zip", Ct);
        var sent = await UploadPartAsync(client, bucket, started.UploadId, partNumber: 1);

        var wrongETag = await Assert.ThrowsAsync<AmazonS3Exception>(() => CompleteAsync(client, bucket, started.UploadId, new PartETag(1, "\"0123456789abcdef0123456789abcdef\"")));
        var neverSent = await Assert.ThrowsAsync<AmazonS3Exception>(() => CompleteAsync(client, bucket, started.UploadId, new PartETag(1, sent.ETag), new PartETag(2, sent.ETag)));

        Assert.Equal((HttpStatusCode.BadRequest, "InvalidPart"), (wrongETag.StatusCode, wrongETag.ErrorCode));
        Assert.Equal((HttpStatusCode.BadRequest, "InvalidPart"), (neverSent.StatusCode, neverSent.ErrorCode));
        await CompleteAsync(client, bucket, started.UploadId, new PartETag(1, sent.ETag));
        Assert.Equal(1024, (await server.GetObjectAsync(bucket, "big.zip", Ct))!.Length);
    }

    [Fact]
    public async Task CompleteMultipartUpload_WithPartsOutOfOrder_AnswersInvalidPartOrderAsS3Does()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        var started = await client.InitiateMultipartUploadAsync(bucket, "big.zip", Ct);
        var one = await UploadPartAsync(client, bucket, started.UploadId, partNumber: 1);
        var two = await UploadPartAsync(client, bucket, started.UploadId, partNumber: 2);

        // Sent by hand, so that the parts go in exactly this order.
        var body = $"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>{two.ETag}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>{one.ETag}</ETag></Part></CompleteMultipartUpload>";
        using var http = new HttpClient();
        using var answer = await http.PostAsync(new Uri(proxy.BaseUrl, $"{bucket}/big.zip?uploadId={started.UploadId}"), new StringContent(body), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("<Code>InvalidPartOrder</Code>", await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUploadCompletedOrAborted_AnswersNoSuchUploadToItsCompletionAndParts_AsS3Does()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        var completed = await client.InitiateMultipartUploadAsync(bucket, "big.zip", Ct);
        var part = await UploadPartAsync(client, bucket, completed.UploadId, partNumber: 1);
        await CompleteAsync(client, bucket, completed.UploadId, new PartETag(1, part.ETag));
        var aborted = await client.InitiateMultipartUploadAsync(bucket, "other.zip", Ct);
        await client.AbortMultipartUploadAsync(bucket, "other.zip", aborted.UploadId, Ct);

        var completedAgain = await Assert.ThrowsAsync<AmazonS3Exception>(() => CompleteAsync(client, bucket, completed.UploadId, new PartETag(1, part.ETag)));
        var partAfterAbort = await Assert.ThrowsAsync<AmazonS3Exception>(() => UploadPartAsync(client, bucket, aborted.UploadId, partNumber: 1));

        Assert.Equal((HttpStatusCode.NotFound, "NoSuchUpload"), (completedAgain.StatusCode, completedAgain.ErrorCode));
        Assert.Equal((HttpStatusCode.NotFound, "NoSuchUpload"), (partAfterAbort.StatusCode, partAfterAbort.ErrorCode));
        Assert.Empty(server.PendingUploadIds(bucket));
    }

    [Fact]
    public async Task ListMultipartUploads_ThroughTheProxy_ListsTheUploadsInProgressUnderThePrefix_PageByPageAsS3Does()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        var first = await client.InitiateMultipartUploadAsync(bucket, "cache/a b.bin", Ct);
        var second = await client.InitiateMultipartUploadAsync(bucket, "cache/a b.bin", Ct);
        var third = await client.InitiateMultipartUploadAsync(bucket, "cache/c.bin", Ct);
        await client.InitiateMultipartUploadAsync(bucket, "other/d.bin", Ct);
        var aborted = await client.InitiateMultipartUploadAsync(bucket, "cache/e.bin", Ct);
        await client.AbortMultipartUploadAsync(bucket, "cache/e.bin", aborted.UploadId, Ct);

        var page1 = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = bucket, Prefix = "cache/", MaxUploads = 2 }, Ct);
        var page2 = await client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest
        {
            BucketName = bucket, Prefix = "cache/", MaxUploads = 2, KeyMarker = page1.NextKeyMarker, UploadIdMarker = page1.NextUploadIdMarker,
        }, Ct);

        Assert.True(page1.IsTruncated);
        Assert.Equal(["cache/a b.bin", "cache/a b.bin"], page1.MultipartUploads.Select(u => u.Key));
        Assert.Equal(new[] { first.UploadId, second.UploadId }.Order(), page1.MultipartUploads.Select(u => u.UploadId).Order());
        Assert.Equal(("cache/a b.bin", page1.MultipartUploads[1].UploadId), (page1.NextKeyMarker, page1.NextUploadIdMarker));
        Assert.False(page2.IsTruncated);
        Assert.Equal([(third.UploadId, "cache/c.bin")], page2.MultipartUploads.Select(u => (u.UploadId, u.Key)));
        Assert.InRange(DateTime.UtcNow - page2.MultipartUploads[0].Initiated!.Value.ToUniversalTime(), TimeSpan.Zero, TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task ListMultipartUploads_AnswersTheXmlOfS3sApiReference()
    {
        var (server, bucket) = (s3.Server, await s3.Server.NewBucketAsync(Ct));
        await using var proxy = await S3rverProxy.StartAsync(server, Ct);
        using var client = S3rverServer.ClientFor(proxy.BaseUrl);
        var started = await client.InitiateMultipartUploadAsync(bucket, "models/sha256/ab", Ct);
        using var http = new HttpClient();

        var xml = System.Xml.Linq.XDocument.Parse(await http.GetStringAsync(new Uri(proxy.BaseUrl, $"/{bucket}?uploads&prefix=models%2F"), Ct));

        System.Xml.Linq.XNamespace ns = "http://s3.amazonaws.com/doc/2006-03-01/";
        var root = xml.Root!;
        Assert.Equal(ns + "ListMultipartUploadsResult", root.Name);
        Assert.Equal(["Bucket", "KeyMarker", "UploadIdMarker", "Prefix", "MaxUploads", "IsTruncated", "Upload"], root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal((bucket, "models/", "1000", "false"), (root.Element(ns + "Bucket")!.Value, root.Element(ns + "Prefix")!.Value, root.Element(ns + "MaxUploads")!.Value, root.Element(ns + "IsTruncated")!.Value));
        var upload = root.Element(ns + "Upload")!;
        Assert.Equal(["Key", "UploadId", "Initiator", "Owner", "StorageClass", "Initiated"], upload.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(("models/sha256/ab", started.UploadId), (upload.Element(ns + "Key")!.Value, upload.Element(ns + "UploadId")!.Value));
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", upload.Element(ns + "Initiated")!.Value);
    }

    private static Task<CompleteMultipartUploadResponse> CompleteAsync(AmazonS3Client client, string bucket, string uploadId, params PartETag[] parts) =>
        client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = "big.zip", UploadId = uploadId, PartETags = [.. parts] }, Ct);

    private static Task<UploadPartResponse> UploadPartAsync(AmazonS3Client client, string bucket, string uploadId, int partNumber) =>
        client.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket, Key = "big.zip", UploadId = uploadId, PartNumber = partNumber,
            InputStream = new MemoryStream(new byte[1024]), UseChunkEncoding = false,
        }, Ct);
}
