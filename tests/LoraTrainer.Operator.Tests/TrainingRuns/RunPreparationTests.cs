using System.Text.RegularExpressions;
using LoraTrainer.Api;
using LoraTrainer.Operator.Tests.Datasets;
using LoraTrainer.Testing;
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
        await using var h = await OperatorHarness.StartAsync(s3.Server, s3Proxy: true);
        var proxy = h.S3Proxy;
        // The bucket is shared with the other tests of the class, whose runs hold their state uploads open.
        var pendingBefore = s3.Server.PendingUploadIds(OperatorHarness.OutputBucket);
        proxy.FailPart(1);
        h.Vast.AddOffers(OperatorHarness.Offer(2001, machine: 21));

        await h.ApplyRunAsync("flaky");

        var waiting = await h.WaitForAsync("flaky", r => r.Status?.Message?.StartsWith("waiting: ", StringComparison.Ordinal) == true, seconds: 30);
        Assert.Equal(TrainingPhase.Pending, waiting.Status!.Phase);
        Assert.Matches(StoreWriteFailed(), waiting.Status.Message);
        TroubleshootingDoc.AssertExplains(waiting.Status.Message);
        TroubleshootingDoc.AssertExplains(waiting.Status.Message!["waiting: ".Length..]);
        Assert.Empty(h.Vast.Instances(includeDestroyed: true));
        Assert.NotEmpty(proxy.AbortedUploads);
        Assert.Empty(s3.Server.PendingUploadIds(OperatorHarness.OutputBucket).Except(pendingBefore));

        proxy.FailPart(0);
        var rented = await h.WaitForPhaseAsync("flaky", TrainingPhase.PendingGpu, seconds: 30);
        Assert.NotNull(rented.Status!.Dataset?.Zip);
    }

    [Fact]
    public async Task ARefreshWhileTheGpuIsHeld_ReissuesTheUrlsAndRelinksTheModel_WithoutListingTheChangedImagesOrZippingThem()
    {
        await using var held = await HoldGpuAsync("steady", offer: 2101);
        var h = held.Harness;
        var lookups = h.Civitai.RequestsTo($"/api/v1/model-versions/{CivitaiVersion}").Count;
        var links = h.Civitai.RequestsTo($"/api/download/models/{CivitaiVersion}").Count;

        await held.ChangeImagesAsync();
        // Presigned URLs are signed to the second, and opening the run's state upload reissues the config at once: a
        // refresh a second later is the first whose URLs must differ.
        await h.WaitForConfigIssuedAfterAsync("steady", DateTimeOffset.UtcNow.AddSeconds(1));
        // Two issues within one second sign the same URLs: the refresh is the issue whose URLs are signed anew.
        var refreshed = await Eventually.UntilAsync(_ => h.AgentConfigAsync("steady"), c => c.Dataset.Url != held.First.Dataset.Url, TimeSpan.FromSeconds(15),
            "the config of steady to be reissued with freshly signed URLs", c => "its dataset URL is still the first one", cancellationToken: TestContext.Current.CancellationToken);

        await held.AssertDatasetKeptAsync(refreshed);
        Assert.Equal(lookups, h.Civitai.RequestsTo($"/api/v1/model-versions/{CivitaiVersion}").Count);
        Assert.True(h.Civitai.RequestsTo($"/api/download/models/{CivitaiVersion}").Count > links, "the Civitai download was not linked again");
        Assert.NotEqual(held.First.Dataset.Url, refreshed.Dataset.Url);
        // The state section gains the upload opened once the GPU is held.
        Assert.Equal(Json(held.First with { Dataset = refreshed.Dataset, Model = refreshed.Model, Outputs = refreshed.Outputs, State = refreshed.State }), Json(refreshed));
        Assert.Equal((held.First.Model.FileName, held.First.Model.Sha256), (refreshed.Model.FileName, refreshed.Model.Sha256));
    }

    [Fact]
    public async Task ARefreshAfterARestart_RebuildsTheConfigAroundTheRecordedZip_WithoutListingTheImages()
    {
        await using var held = await HoldGpuAsync("restarted", offer: 2201);
        await held.ChangeImagesAsync();

        await held.Harness.RestartAsync();
        await held.Harness.WaitForConfigIssuedAfterAsync("restarted", DateTimeOffset.UtcNow);
        var rebuilt = await held.Harness.AgentConfigAsync("restarted");

        await held.AssertDatasetKeptAsync(rebuilt);
        Assert.Equal(held.First.Run, rebuilt.Run);
        Assert.Equal(1, held.Harness.Vast.Cost().AliveInstances);
    }

    /// <summary>
    /// An SDXL run whose checkpoint is on Civitai, holding a GPU, with its first config and what the store had been
    /// asked by the time it was rented.
    /// </summary>
    private async Task<HeldRun> HoldGpuAsync(string name, long offer)
    {
        var h = await OperatorHarness.StartAsync(s3.Server, s => s["Operator:PresignRefreshInterval"] = "00:00:01", s3Proxy: true);
        var proxy = h.S3Proxy;
        h.Civitai.Add(FakeCivitaiVersion.Checkpoint(CivitaiVersion, "SDXL 1.0", null, "sd_xl_base_1.0.safetensors", [1, 2, 3]));
        h.Vast.AddOffers(OperatorHarness.Offer(offer, machine: offer));
        await h.ApplyRunAsync(name, s => s with { BaseModel = new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = CivitaiVersion } } });
        var rented = await h.WaitForPhaseAsync(name, TrainingPhase.PendingGpu);
        return new HeldRun(proxy, h, name, rented, await h.AgentConfigAsync(name), proxy.ListingsOf(OperatorHarness.ImagesBucket), await DatasetZipsAsync(h));
    }

    /// <summary>A run holding a GPU: its first config, and the dataset listings and zips there were when it was rented.</summary>
    private sealed record HeldRun(S3rverProxy Proxy, OperatorHarness Harness, string Name, TrainingRun Rented, Protocol.AgentConfig First, int Listings, IReadOnlyList<string> Zips)
        : IAsyncDisposable
    {
        /// <summary>Adds an image under the run's prefix, as a user uploading more mid-run would.</summary>
        public Task ChangeImagesAsync() =>
            Harness.S3.PutObjectAsync(OperatorHarness.ImagesBucket, $"people/{Name}/c.jpg", TestImages.Jpeg(seed: 3), Ct);

        /// <summary>Nothing listed or zipped since the rent: the same zip, in the config and in status.</summary>
        public async Task AssertDatasetKeptAsync(Protocol.AgentConfig now)
        {
            Assert.Equal(Listings, Proxy.ListingsOf(OperatorHarness.ImagesBucket));
            Assert.Equal(Zips, await DatasetZipsAsync(Harness));
            Assert.Equal(new Uri(First.Dataset.Url).AbsolutePath, new Uri(now.Dataset.Url).AbsolutePath);
            Assert.Equal((First.Dataset.Bytes, First.Dataset.Sha256), (now.Dataset.Bytes, now.Dataset.Sha256));
            Assert.Equal(Rented.Status!.Dataset, Harness.Run(Name)!.Status!.Dataset);
        }

        /// <summary>The harness stops the proxy with the rest of its world.</summary>
        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }

    private static string Json(Protocol.AgentConfig config) => System.Text.Json.JsonSerializer.Serialize(config, Protocol.ProtocolJson.Options);

    /// <summary>Every dataset zip in the output bucket (the runs of this class share it).</summary>
    private static async Task<IReadOnlyList<string>> DatasetZipsAsync(OperatorHarness h) =>
        [.. (await h.S3.ListKeysAsync(OperatorHarness.OutputBucket, cancellationToken: Ct)).Where(k => k.StartsWith("loras/datasets/", StringComparison.Ordinal))];

    [GeneratedRegex(@"^waiting: S3 write of s3://trained-loras/loras/datasets/[0-9a-f]{64}\.zip at http://127\.0\.0\.1:\d+ failed with 500 InternalError; will retry\.$")]
    private static partial Regex StoreWriteFailed();
}
