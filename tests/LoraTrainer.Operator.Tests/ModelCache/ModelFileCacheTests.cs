using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Operator.ModelCache;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.ModelCache;

public sealed class ModelFileCacheTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const string SourceUrl = "https://cdn.example.com/files/sdxl.safetensors?token=secret-token&expires=1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApplyAsync_WhenTheCacheLacksTheFile_KeepsTheSourceAndStartsAnUploadThatLeavesACompleteObjectWithItsMetadata()
    {
        var (store, location) = await CacheAsync();
        var content = RandomNumberGenerator.GetBytes(4096);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));

        var cached = await Cache().ApplyAsync(store, location, Spec(), Source(content), [], Ct);

        Assert.Equal(SourceUrl, cached.Source.Url);
        var upload = cached.Source.Cache!.Upload!;
        Assert.False(cached.Source.Cache.Hit);
        Assert.Equal($"base-models/sha256/{sha256}", upload.Key);
        Assert.Equal(ModelCacheStates.Filling, Assert.Single(cached.Files).Cache);
        using var http = new HttpClient();
        using var put = await http.PutAsync(upload.Parts[0].Url, new ByteArrayContent(content), Ct);
        await PresignedMultipart.CompleteAsync(store, location.ObjectOf(sha256), upload.UploadId, [new UploadedPartETag { PartNumber = 1, ETag = put.Headers.ETag!.Tag }], Ct);
        var head = await store.HeadAsync(location.Bucket, upload.Key, Ct);
        var recorded = CachedObjectMetadata.From(head!.Metadata)!;
        Assert.Equal((sha256, 4096L, "sdxl.safetensors", "civitai:model-version/128078"), (recorded.Sha256, recorded.Bytes!.Value, recorded.Name, recorded.Source));
    }

    [Fact]
    public async Task ApplyAsync_WhenTheCacheHoldsTheFile_HandsOutAPresignedGetOfItWithTheSourceAsFallback()
    {
        var (store, location) = await CacheAsync();
        var content = RandomNumberGenerator.GetBytes(4096);
        await PutCachedAsync(store, location, content, Convert.ToHexStringLower(SHA256.HashData(content)));

        var cached = await Cache().ApplyAsync(store, location, Spec(), Source(content), [], Ct);

        Assert.True(cached.Source.Cache!.Hit);
        Assert.Null(cached.Source.Authorization);
        Assert.Equal(SourceUrl, cached.Source.Cache.Fallback!.Url);
        Assert.True(Assert.Single(cached.Files).FromCache);
        using var http = new HttpClient();
        Assert.Equal(content, await http.GetByteArrayAsync(cached.Source.Url, Ct));
    }

    [Fact]
    public async Task ApplyAsync_WhenTheCachedObjectRecordsAnotherSha256_DoesNotUseIt()
    {
        var (store, location) = await CacheAsync();
        var content = RandomNumberGenerator.GetBytes(4096);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
        await PutCachedAsync(store, location, content, sha256, recordedSha256: new string('0', 64));

        var cached = await Cache().ApplyAsync(store, location, Spec(), Source(content), [], Ct);

        Assert.False(cached.Source.Cache!.Hit);
        Assert.Equal(SourceUrl, cached.Source.Url);
        Assert.Equal(ModelCacheStates.Filling, Assert.Single(cached.Files).Cache);
    }

    [Fact]
    public async Task ListAsync_NamesEachCachedFileWithWhatItRecords_AndWhetherARunWouldTrustIt()
    {
        var (store, location) = await CacheAsync();
        var good = RandomNumberGenerator.GetBytes(100);
        var bad = RandomNumberGenerator.GetBytes(200);
        await PutCachedAsync(store, location, good, Convert.ToHexStringLower(SHA256.HashData(good)));
        await PutCachedAsync(store, location, bad, Convert.ToHexStringLower(SHA256.HashData(bad)), recordedSha256: new string('1', 64));

        var listed = await ModelCacheListing.ListAsync(store, location, Ct).ToListAsync(Ct);

        Assert.Equal(2, listed.Count);
        var trusted = Assert.Single(listed, f => f.Trusted);
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(good)), 100L, "sdxl.safetensors", "civitai:model-version/128078"), (trusted.Sha256, trusted.Bytes, trusted.Name, trusted.Source));
        Assert.Equal(200, Assert.Single(listed, f => !f.Trusted).Bytes);
    }

    [Theory]
    [InlineData("https://user:pw@huggingface.co/repo/resolve/main/ae.safetensors?token=abc#x", "https://huggingface.co/repo/resolve/main/ae.safetensors")]
    [InlineData("not a url", "")]
    public void SourceOf_DropsUserInfoQueryAndFragment_SoNoTokenIsRecorded(string url, string expected) =>
        Assert.Equal(expected, CachedObjectMetadata.SourceOf(url));

    [Theory]
    [InlineData(null, null, null, null, null)]
    [InlineData("ops-cache", "models", null, null, "ops-cache/models/sha256/")]
    [InlineData("ops-cache", "models", "team-cache", "m/", "team-cache/m/sha256/")]
    [InlineData("ops-cache", "", null, null, "ops-cache/sha256/")]
    public void For_TheRunsSettingWinsOverTheOperators(string? bucket, string? prefix, string? runBucket, string? runPrefix, string? expected)
    {
        var spec = new BaseModelSpec { Cache = runBucket is null ? null : new ModelCacheSpec { Bucket = runBucket, Prefix = runPrefix } };

        var location = ModelCacheLocation.For(spec, bucket, prefix ?? new ModelCacheOptions().Prefix);

        Assert.Equal(expected, location is null ? null : $"{location.Bucket}/{location.KeyPrefix}");
    }

    [Fact]
    public void For_ARunThatOptsOut_CachesNothing() =>
        Assert.Null(ModelCacheLocation.For(new BaseModelSpec { Cache = new ModelCacheSpec { Enabled = false } }, "ops-cache", new ModelCacheOptions().Prefix));

    private Task<(IObjectStore Store, ModelCacheLocation Location)> CacheAsync() => ModelCacheObjects.NewCacheAsync(s3.Server, Ct);

    private static Task PutCachedAsync(IObjectStore store, ModelCacheLocation location, byte[] content, string sha256, string? recordedSha256 = null) =>
        ModelCacheObjects.PutAsync(store, location, content, sha256, Ct, recordedSha256);

    private static ModelFileCache Cache() => new(
        new PresignedMultipart(Options.Create(new S3Options())), Options.Create(new ModelCacheOptions()), Options.Create(new S3Options()), NullLogger<ModelFileCache>.Instance);

    private static BaseModelSpec Spec() => new() { Civitai = new CivitaiModelSource { ModelVersionId = 128078 } };

    private static ModelSource Source(byte[] content) => new()
    {
        Url = SourceUrl, FileName = "sdxl.safetensors", Bytes = content.Length, Sha256 = Convert.ToHexStringLower(SHA256.HashData(content)),
    };
}
