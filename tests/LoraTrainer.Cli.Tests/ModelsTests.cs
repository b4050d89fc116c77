using System.Security.Cryptography;
using Amazon.S3.Model;
using LoraTrainer.Storage.ModelCache;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Cli.Tests;

/// <summary><c>kubectl lora models</c> against a real S3-compatible store holding a model cache.</summary>
public sealed class ModelsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Models_ListsEachCachedFileWithItsNameAndSource_AndFlagsOneWhoseRecordedSha256Differs()
    {
        await using var s3 = await S3rverServer.StartAsync(Ct);
        var bucket = await s3.NewBucketAsync(Ct);
        var location = new ModelCacheLocation(bucket, "models");
        var sdxl = RandomNumberGenerator.GetBytes(3000);
        var sdxlSha = Convert.ToHexStringLower(SHA256.HashData(sdxl));
        var swapped = RandomNumberGenerator.GetBytes(2000);
        var swappedSha = Convert.ToHexStringLower(SHA256.HashData(swapped));
        using var client = S3rverServer.ClientFor(s3.ServiceUrl);
        await PutAsync(client, location, sdxlSha, sdxl, new CachedObjectMetadata(sdxlSha, sdxl.Length, "sd_xl_base_1.0.safetensors", "civitai:model-version/128078"));
        await PutAsync(client, location, swappedSha, swapped, new CachedObjectMetadata(new string('0', 64), swapped.Length, "ae.safetensors", "https://huggingface.co/ae.safetensors"));
        await s3.PutObjectAsync(bucket, "models/notes/readme.txt", "not a cached file"u8.ToArray(), Ct);

        using var folder = new TempFolder();
        var result = await Plugin.RunProcessAsync(new Dictionary<string, string>
        {
            ["AWS_ACCESS_KEY_ID"] = S3rverServer.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = S3rverServer.SecretAccessKey,
            ["AWS_ENDPOINT_URL"] = s3.ServiceUrl.ToString(),
        }, folder.Path, "models", "--bucket", bucket);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n');
        var sdxlLine = Assert.Single(lines, l => l.StartsWith(sdxlSha[..12], StringComparison.Ordinal));
        Assert.Contains("sd_xl_base_1.0.safetensors", sdxlLine);
        Assert.Contains("civitai:model-version/128078", sdxlLine);
        Assert.EndsWith("yes", sdxlLine.TrimEnd());
        var swappedLine = Assert.Single(lines, l => l.StartsWith(swappedSha[..12], StringComparison.Ordinal));
        Assert.Contains("no: recorded SHA-256 differs", swappedLine);
        Assert.DoesNotContain("readme", result.Stdout);
        Assert.Contains($"2 cached files", result.Stdout);
    }

    [Fact]
    public async Task Models_WithoutABucket_IsAUsageErrorNamingTheFlag()
    {
        var result = await Plugin.RunAsync("models");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--bucket", result.Stderr);
    }

    private static Task PutAsync(Amazon.S3.IAmazonS3 client, ModelCacheLocation location, string sha256, byte[] content, CachedObjectMetadata metadata)
    {
        var request = new PutObjectRequest { BucketName = location.Bucket, Key = location.ObjectOf(sha256).Key, InputStream = new MemoryStream(content), UseChunkEncoding = false };
        foreach (var (key, value) in metadata.ToMetadata())
        {
            request.Metadata.Add(key, value);
        }

        return client.PutObjectAsync(request, Ct);
    }
}
