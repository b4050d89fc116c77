using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Uploads;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.DependencyInjection;

namespace LoraTrainer.Agent.Tests.Uploads;

/// <summary>The agent's multipart upload against s3rver, the upload started and completed as the operator does it.</summary>
public sealed class MultipartUploaderTests(S3rverFixture s3) : IClassFixture<S3rverFixture>, IAsyncDisposable
{
    private const int PartSize = 5 * 1024 * 1024;
    private readonly TempFolder _work = new();
    private readonly List<S3rverProxy> _proxies = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in _proxies)
        {
            await proxy.DisposeAsync();
        }

        _work.Dispose();
    }

    [Fact]
    public async Task UploadAsync_SendsTheFilePartByPartAndReportsEveryETagAndTheFilesSha256()
    {
        var (bucket, client, _) = await StartAsync();
        var content = RandomNumberGenerator.GetBytes((2 * PartSize) + 1234);
        var file = _work.Combine("run-000003-state.tar");
        await File.WriteAllBytesAsync(file, content, Ct);
        var target = await StartUploadAsync(client, bucket, "state/run.tar", parts: 4);
        await using var services = AgentServices.Create(_work.Path);

        var result = await services.GetRequiredService<MultipartUploader>().UploadAsync(file, target, "state of epoch 3", Ct);
        await CompleteAsync(client, bucket, target, result);

        Assert.Equal([1, 2, 3], result.Parts.Select(p => p.PartNumber));
        Assert.Equal(content.Length, result.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), result.Sha256);
        Assert.Equal(content, await s3.Server.GetObjectAsync(bucket, "state/run.tar", Ct));
    }

    [Fact]
    public async Task UploadAsync_WhenRunAgainAfterAPartFailed_SendsOnlyTheMissingPartsAndStillHashesTheWholeFile()
    {
        var (bucket, client, proxy) = await StartAsync();
        var content = RandomNumberGenerator.GetBytes((2 * PartSize) + 99);
        var file = _work.Combine("run-state.tar");
        await File.WriteAllBytesAsync(file, content, Ct);
        var target = await StartUploadAsync(client, bucket, "state/run.tar", parts: 3);
        proxy.FailPart(2);
        await using (var first = AgentServices.Create(_work.Path))
        {
            await Assert.ThrowsAsync<StageFailure>(() => first.GetRequiredService<MultipartUploader>().UploadAsync(file, target, "state", Ct));
        }

        proxy.FailPart(0);
        await using var restarted = AgentServices.Create(_work.Path);
        var result = await restarted.GetRequiredService<MultipartUploader>().UploadAsync(file, target, "state", Ct);
        await CompleteAsync(client, bucket, target, result);

        Assert.Equal(1, PartPuts(proxy, 1));
        Assert.Equal(1, PartPuts(proxy, 3));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), result.Sha256);
        Assert.Equal(content, await s3.Server.GetObjectAsync(bucket, "state/run.tar", Ct));
    }

    [Fact]
    public async Task UploadAsync_WhenTheFileOutgrowsItsParts_FailsBeforeSendingAnything()
    {
        var (bucket, client, proxy) = await StartAsync();
        var file = _work.Combine("big.tar");
        await File.WriteAllBytesAsync(file, new byte[PartSize + 1], Ct);
        var target = await StartUploadAsync(client, bucket, "state/run.tar", parts: 1);
        await using var services = AgentServices.Create(_work.Path);

        var failure = await Assert.ThrowsAsync<StageFailure>(() => services.GetRequiredService<MultipartUploader>().UploadAsync(file, target, "state", Ct));

        Assert.Contains("more than the 1 parts", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, PartPuts(proxy, 1));
    }

    private static int PartPuts(S3rverProxy proxy, int part) =>
        proxy.Requests.Count(r => r.Method == "PUT" && r.Parameter("partNumber") == part.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task<(string Bucket, AmazonS3Client Client, S3rverProxy Proxy)> StartAsync()
    {
        var server = s3.Server;
        var proxy = await S3rverProxy.StartAsync(server, Ct);
        _proxies.Add(proxy);
        return (await server.NewBucketAsync(Ct), S3rverServer.ClientFor(proxy.BaseUrl), proxy);
    }

    private static async Task<MultipartUploadTarget> StartUploadAsync(AmazonS3Client client, string bucket, string key, int parts)
    {
        var started = await client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key }, Ct);
        var urls = new List<PartUploadTarget>();
        for (var part = 1; part <= parts; part++)
        {
            var url = await client.GetPreSignedURLAsync(new GetPreSignedUrlRequest
            {
                BucketName = bucket, Key = key, Verb = HttpVerb.PUT, Protocol = Amazon.S3.Protocol.HTTP,
                UploadId = started.UploadId, PartNumber = part, Expires = DateTime.UtcNow.AddHours(1),
            });
            urls.Add(new PartUploadTarget { PartNumber = part, Url = url });
        }

        return new MultipartUploadTarget { Key = key, UploadId = started.UploadId, PartSize = PartSize, Parts = urls };
    }

    private static Task CompleteAsync(AmazonS3Client client, string bucket, MultipartUploadTarget target, MultipartUploadResult result) =>
        client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = target.Key, UploadId = target.UploadId,
            PartETags = [.. result.Parts.Select(p => new PartETag(p.PartNumber, p.ETag))],
        }, Ct);
}
