using LoraTrainer.Api;
using LoraTrainer.Operator.Storage;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.Storage;

public sealed class ArtifactPresignerTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OutputTargetsAsync_WhenKeepIsAll_PresignsEveryEpochAndTheBestThatAcceptUploads()
    {
        var server = s3.Server;
        var bucket = await server.NewBucketAsync(Ct);
        var options = S3rverStores.Options(server, o => o.PresignPutExpiry = TimeSpan.FromHours(3));
        using var factory = S3rverStores.Factory(options);
        var presigner = new ArtifactPresigner(Microsoft.Extensions.Options.Options.Create(options));
        var output = new OutputSpec { S3 = new S3Location { Bucket = bucket, Prefix = "loras/anna" }, Keep = KeepPolicy.All };

        var targets = await presigner.OutputTargetsAsync(factory.Create(S3rverStores.Credentials), output, "portrait", totalEpochs: 3);

        Assert.Equal("loras/anna/portrait.safetensors", targets.Best.Key);
        Assert.Equal(
            ["loras/anna/portrait-000001.safetensors", "loras/anna/portrait-000002.safetensors", "loras/anna/portrait-000003.safetensors"],
            targets.Epochs.Select(e => e.Key));
        Assert.Equal([1, 2, 3], targets.Epochs.Select(e => e.Epoch));
        Assert.All(targets.Epochs.Select(e => new Uri(e.Url)).Append(new Uri(targets.Best.Url)), u => AssertExpiresIn(u, TimeSpan.FromHours(3)));
        using var http = new HttpClient();
        (await http.PutAsync(targets.Epochs[1].Url, new ByteArrayContent([1, 2, 3]), Ct)).EnsureSuccessStatusCode();
        Assert.Equal([1, 2, 3], await server.GetObjectAsync(bucket, "loras/anna/portrait-000002.safetensors", Ct));
    }

    [Fact]
    public async Task OutputTargetsAsync_WhenKeepIsBest_PresignsOnlyTheBest()
    {
        var options = S3rverStores.Options(s3.Server);
        using var factory = S3rverStores.Factory(options);
        var presigner = new ArtifactPresigner(Microsoft.Extensions.Options.Options.Create(options));
        var output = new OutputSpec { S3 = new S3Location { Bucket = "models", Prefix = "loras/" } };

        var targets = await presigner.OutputTargetsAsync(factory.Create(S3rverStores.Credentials), output, "portrait", totalEpochs: 10);

        Assert.Equal("loras/portrait.safetensors", targets.Best.Key);
        Assert.Empty(targets.Epochs);
    }

    [Fact]
    public async Task OutputTargetsAsync_WhenTheRunSavesState_PresignsEveryEpochEvenWithKeepBest_ForARetryToChooseAmong()
    {
        var options = S3rverStores.Options(s3.Server);
        using var factory = S3rverStores.Factory(options);
        var presigner = new ArtifactPresigner(Microsoft.Extensions.Options.Options.Create(options));
        var output = new OutputSpec { S3 = new S3Location { Bucket = "models", Prefix = "loras/" }, Keep = KeepPolicy.Best };

        var targets = await presigner.OutputTargetsAsync(factory.Create(S3rverStores.Credentials), output, "portrait", totalEpochs: 2, savesState: true);

        Assert.Equal(["loras/portrait-000001.safetensors", "loras/portrait-000002.safetensors"], targets.Epochs.Select(e => e.Key));
    }

    [Fact]
    public async Task DatasetDownloadAsync_UsesTheConfiguredGetExpiry()
    {
        var options = S3rverStores.Options(s3.Server, o => o.PresignGetExpiry = TimeSpan.FromMinutes(45));
        using var factory = S3rverStores.Factory(options);
        var presigner = new ArtifactPresigner(Microsoft.Extensions.Options.Options.Create(options));

        var url = await presigner.DatasetDownloadAsync(factory.Create(S3rverStores.Credentials), new S3Uri("models", "datasets/abc.zip"));

        AssertExpiresIn(url, TimeSpan.FromMinutes(45));
        Assert.EndsWith("/models/datasets/abc.zip", url.AbsolutePath);
    }

    /// <summary>The SDK turns the expiry instant back into seconds against its own clock, so it may differ by a second or two.</summary>
    internal static void AssertExpiresIn(Uri url, TimeSpan expected)
    {
        var value = System.Web.HttpUtility.ParseQueryString(url.Query)["X-Amz-Expires"];
        Assert.NotNull(value);
        Assert.InRange(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture), expected.TotalSeconds - 5, expected.TotalSeconds + 1);
    }
}
