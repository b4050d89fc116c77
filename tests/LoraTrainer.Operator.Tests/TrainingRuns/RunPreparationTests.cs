using System.Text.RegularExpressions;
using LoraTrainer.Api;
using LoraTrainer.Operator.Tests.Datasets;
using LoraTrainer.Operator.Tests.Docs;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>
/// Preparing an attempt and re-issuing its URLs, with the operator reaching s3rver through a proxy that records
/// every request and can fail uploads.
/// </summary>
public sealed partial class RunPreparationTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const long CivitaiVersion = 128078;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStoreFailureWhilePreparing_IsTheRunsMessage_AndTheRunGoesOnOnceItPasses()
    {
        await using var proxy = await S3rverProxy.StartAsync(s3.Server, Ct);
        proxy.FailPart(1);
        await using var h = await OperatorHarness.StartAsync(s3.Server, s3Proxy: proxy);
        h.Vast.AddOffers(OperatorHarness.Offer(2001, machine: 21));

        await h.ApplyRunAsync("flaky");

        var waiting = await h.WaitForAsync("flaky", r => r.Status?.Message?.StartsWith("waiting: ", StringComparison.Ordinal) == true, seconds: 30);
        Assert.Equal(TrainingPhase.Pending, waiting.Status!.Phase);
        Assert.Matches(StoreWriteFailed(), waiting.Status.Message);
        TroubleshootingDoc.AssertExplains(waiting.Status.Message);
        TroubleshootingDoc.AssertExplains(waiting.Status.Message!["waiting: ".Length..]);
        Assert.Empty(h.Vast.Instances(includeDestroyed: true));
        Assert.NotEmpty(proxy.AbortedUploads);
        Assert.Empty(s3.Server.PendingUploadIds(OperatorHarness.OutputBucket));

        proxy.FailPart(0);
        var rented = await h.WaitForPhaseAsync("flaky", TrainingPhase.PendingGpu, seconds: 30);
        Assert.NotNull(rented.Status!.Dataset?.Zip);
    }

    [Fact]
    public async Task ARefreshWhileTheGpuIsHeld_ReissuesTheUrlsAndRelinksTheModel_WithoutListingTheChangedImagesOrZippingThem()
    {
        await using var proxy = await S3rverProxy.StartAsync(s3.Server, Ct);
        await using var h = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:PresignRefreshInterval"] = "00:00:01", proxy);
        var (rented, first) = await RentCivitaiRunAsync(h, "steady", offer: 2101);
        var listings = proxy.ListingsOf(OperatorHarness.ImagesBucket);
        var zips = await DatasetZipsAsync(h);
        var lookups = h.Civitai.RequestsTo($"/api/v1/model-versions/{CivitaiVersion}").Count;
        var links = h.Civitai.RequestsTo($"/api/download/models/{CivitaiVersion}").Count;

        await h.S3.PutObjectAsync(OperatorHarness.ImagesBucket, "people/steady/c.jpg", TestImages.Jpeg(seed: 3), Ct);
        var changed = DateTimeOffset.UtcNow;
        await h.WaitForConfigIssuedAfterAsync("steady", changed);
        var refreshed = await h.AgentConfigAsync("steady");

        Assert.Equal(listings, proxy.ListingsOf(OperatorHarness.ImagesBucket));
        Assert.Equal(lookups, h.Civitai.RequestsTo($"/api/v1/model-versions/{CivitaiVersion}").Count);
        Assert.True(h.Civitai.RequestsTo($"/api/download/models/{CivitaiVersion}").Count > links, "the Civitai download was not linked again");
        Assert.Equal(zips, await DatasetZipsAsync(h));
        Assert.Equal(rented.Status!.Dataset, h.Run("steady")!.Status!.Dataset);
        Assert.Equal(new Uri(first.Dataset.Url).AbsolutePath, new Uri(refreshed.Dataset.Url).AbsolutePath);
        Assert.NotEqual(first.Dataset.Url, refreshed.Dataset.Url);
        Assert.Equal(Json(first with { Dataset = refreshed.Dataset, Model = refreshed.Model, Outputs = refreshed.Outputs }), Json(refreshed));
        Assert.Equal((first.Dataset.Bytes, first.Dataset.Sha256), (refreshed.Dataset.Bytes, refreshed.Dataset.Sha256));
        Assert.Equal((first.Model.FileName, first.Model.Sha256), (refreshed.Model.FileName, refreshed.Model.Sha256));
    }

    [Fact]
    public async Task ARefreshAfterARestart_RebuildsTheConfigAroundTheRecordedZip_WithoutListingTheImages()
    {
        await using var proxy = await S3rverProxy.StartAsync(s3.Server, Ct);
        await using var h = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:PresignRefreshInterval"] = "00:00:01", proxy);
        var (rented, first) = await RentCivitaiRunAsync(h, "restarted", offer: 2201);
        var listings = proxy.ListingsOf(OperatorHarness.ImagesBucket);
        var zips = await DatasetZipsAsync(h);
        await h.S3.PutObjectAsync(OperatorHarness.ImagesBucket, "people/restarted/c.jpg", TestImages.Jpeg(seed: 3), Ct);

        await h.RestartAsync();
        await h.WaitForConfigIssuedAfterAsync("restarted", DateTimeOffset.UtcNow);
        var rebuilt = await h.AgentConfigAsync("restarted");

        Assert.Equal(listings, proxy.ListingsOf(OperatorHarness.ImagesBucket));
        Assert.Equal(zips, await DatasetZipsAsync(h));
        Assert.Equal(new Uri(first.Dataset.Url).AbsolutePath, new Uri(rebuilt.Dataset.Url).AbsolutePath);
        Assert.Equal((first.Dataset.Bytes, first.Dataset.Sha256, first.Run), (rebuilt.Dataset.Bytes, rebuilt.Dataset.Sha256, rebuilt.Run));
        Assert.Equal(rented.Status!.Dataset, h.Run("restarted")!.Status!.Dataset);
        Assert.Equal(1, h.Vast.Cost().AliveInstances);
    }

    /// <summary>Applies an SDXL run whose checkpoint is on Civitai, waits until it holds a GPU, and returns it with its first config.</summary>
    private static async Task<(TrainingRun Run, Protocol.AgentConfig Config)> RentCivitaiRunAsync(OperatorHarness h, string name, long offer)
    {
        h.Civitai.Add(FakeCivitaiVersion.Checkpoint(CivitaiVersion, "SDXL 1.0", null, "sd_xl_base_1.0.safetensors", [1, 2, 3]));
        h.Vast.AddOffers(OperatorHarness.Offer(offer, machine: offer));
        await h.ApplyRunAsync(name, s => s with { BaseModel = new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = CivitaiVersion } } });
        var rented = await h.WaitForPhaseAsync(name, TrainingPhase.PendingGpu);
        return (rented, await h.AgentConfigAsync(name));
    }

    private static string Json(Protocol.AgentConfig config) => System.Text.Json.JsonSerializer.Serialize(config, Protocol.ProtocolJson.Options);

    /// <summary>Every dataset zip in the output bucket (the runs of this class share it).</summary>
    private static async Task<IReadOnlyList<string>> DatasetZipsAsync(OperatorHarness h) =>
        [.. (await h.S3.ListKeysAsync(OperatorHarness.OutputBucket, cancellationToken: Ct)).Where(k => k.StartsWith("loras/datasets/", StringComparison.Ordinal))];

    [GeneratedRegex(@"^waiting: S3 write of s3://trained-loras/loras/datasets/[0-9a-f]{64}\.zip at http://127\.0\.0\.1:\d+ failed with 500 InternalError; will retry\.$")]
    private static partial Regex StoreWriteFailed();
}
