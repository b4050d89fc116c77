using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.ModelCache;
using LoraTrainer.Operator.Tests.Storage;
using LoraTrainer.Operator.Tests.TrainingRuns;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.ModelCache;

/// <summary>The cache uploads an operator opens for its agents, across a restart of the operator and the deletion of a run.</summary>
public sealed class ModelCacheUploadTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private const long CivitaiVersion = 128078;
    private static readonly byte[] Checkpoint = [1, 2, 3, 4, 5, 6, 7, 8];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARestartWhileTheAgentFillsTheCache_KeepsTheUploadItFills_RatherThanOpeningAnother()
    {
        await using var filling = await FillingAsync("restart-fill", offer: 3101, s => s["Operator:PresignRefreshInterval"] = "00:00:01");
        var h = filling.Harness;

        await h.RestartAsync();
        await h.WaitForConfigIssuedAfterAsync(filling.Name, DateTimeOffset.UtcNow);
        var rebuilt = await h.AgentConfigAsync(filling.Name);

        Assert.Equal(filling.UploadId, rebuilt.Model.Cache?.Upload?.UploadId);
        Assert.Equal([filling.UploadId], s3.Server.PendingUploadIds(filling.Bucket));
        Assert.Equal(filling.UploadId, Assert.Single(h.Run(filling.Name)!.Status!.Model!.Files).UploadId);
    }

    [Fact]
    public async Task DeletingARunWhoseAgentHadNotFinishedTheFill_AbortsTheUpload()
    {
        await using var filling = await FillingAsync("delete-unfilled", offer: 3201);

        await filling.DeleteAsync();

        Assert.Empty(s3.Server.PendingUploadIds(filling.Bucket));
        Assert.Empty(await filling.Harness.S3.ListKeysAsync(filling.Bucket, cancellationToken: Ct));
    }

    [Fact]
    public async Task DeletingARunWhoseAgentReportedEveryPart_CompletesTheUpload()
    {
        await using var filling = await FillingAsync("delete-filled", offer: 3301);
        var h = filling.Harness;
        var upload = (await h.AgentConfigAsync(filling.Name)).Model.Cache!.Upload!;
        using var http = new HttpClient();
        using var put = await http.PutAsync(upload.Parts[0].Url, new ByteArrayContent(Checkpoint), Ct);
        put.EnsureSuccessStatusCode();
        await h.AgentSendsAsync(filling.Name, attempt => new ModelCachedInput(100, attempt, upload.Key, upload.UploadId,
            [new CachePartStatus { PartNumber = 1, ETag = put.Headers.ETag!.Tag }], null));

        await filling.DeleteAsync();

        Assert.Empty(s3.Server.PendingUploadIds(filling.Bucket));
        Assert.Equal(Checkpoint, await h.S3.GetObjectAsync(filling.Bucket, upload.Key, Ct));
    }

    [Fact]
    public async Task ARestart_AbortsAnOldUploadUnderTheCacheThatNoRunRecords_AndKeepsTheOneARunRecordsAndThoseOutsideTheCache()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var bucket = await s3.Server.NewBucketAsync(Ct);
        await using var h = await OperatorHarness.StartAsync(s3.Server, c => c["ModelCache:Bucket"] = bucket, s3Proxy: true, time: clock);
        h.Vast.AddOffers(OperatorHarness.Offer(3401, machine: 341));
        // The GPU may wait for its agent through the hours the test lets pass.
        await h.ApplyRunAsync("recorded", s => s with { RunPolicy = new RunPolicySpec { Deadlines = new DeadlinesSpec { PendingGpu = "10h" } } });
        var rented = await h.WaitForAsync("recorded", r => r.Status?.Phase == TrainingPhase.PendingGpu && r.Status.Model?.Files is [{ Cache: ModelCacheStates.Filling }]);
        var recorded = rented.Status!.Model!.Files[0].UploadId!;
        using var stores = S3rverStores.Factory(S3rverStores.Options(s3.Server));
        var store = stores.Create(S3rverStores.Credentials);
        // Listed after the run's upload (models/sha256/aaaa…), so once it is aborted the sweep has passed the run's.
        var unrecorded = await store.StartMultipartUploadAsync(bucket, $"models/sha256/{new string('f', 64)}", null, null, Ct);
        var outside = await store.StartMultipartUploadAsync(bucket, "datasets/big.zip", null, null, Ct);

        await h.StopOperatorAsync();
        clock.Advance(TimeSpan.FromHours(2));
        await h.StartOperatorAsync();

        await Eventually.UntilAsync(() => h.S3Proxy.AbortedUploads, aborted => aborted.Contains(unrecorded.UploadId), TimeSpan.FromSeconds(20),
            "the unrecorded upload to be aborted", aborted => $"aborted: {string.Join(", ", aborted)}", cancellationToken: Ct);
        Assert.Equal(new[] { recorded, outside.UploadId }.Order(), s3.Server.PendingUploadIds(bucket).Order());
    }

    [Theory]
    [InlineData("recorded", 120, false)]
    [InlineData("unrecorded", 59, false)]
    [InlineData("unrecorded", 60, true)]
    public void IsUnrecorded_OnlyForAnUploadNoRunNames_OnceItIsAsOldAsTheThreshold(string uploadId, int minutesOld, bool expected)
    {
        var now = DateTimeOffset.UtcNow;
        var upload = new PendingUpload("models/sha256/ab", uploadId, now.AddMinutes(-minutesOld));

        Assert.Equal(expected, ModelCacheUploadSweeper.IsUnrecorded(upload, new HashSet<string> { "recorded" }, now, TimeSpan.FromHours(1)));
    }

    /// <summary>A run of a Civitai checkpoint the cache lacks, holding a GPU, whose agent is to fill the upload the operator opened.</summary>
    private async Task<Filling> FillingAsync(string name, long offer, Action<Dictionary<string, string?>>? configure = null)
    {
        // Through the proxy, which discards an aborted upload's parts as S3 does.
        var h = await OperatorHarness.StartAsync(s3.Server, configure, s3Proxy: true);
        var bucket = await s3.Server.NewBucketAsync(Ct);
        h.Civitai.Add(FakeCivitaiVersion.Checkpoint(CivitaiVersion, "SDXL 1.0", null, "sd_xl_base_1.0.safetensors", Checkpoint));
        h.Vast.AddOffers(OperatorHarness.Offer(offer, machine: offer));
        await h.ApplyRunAsync(name, s => s with
        {
            BaseModel = new BaseModelSpec { Civitai = new CivitaiModelSource { ModelVersionId = CivitaiVersion }, Cache = new ModelCacheSpec { Bucket = bucket } },
        });
        var rented = await h.WaitForAsync(name, r => r.Status?.Phase == TrainingPhase.PendingGpu && r.Status.Model?.Files is [{ Cache: ModelCacheStates.Filling }]);
        var uploadId = rented.Status!.Model!.Files[0].UploadId!;
        Assert.Equal([uploadId], s3.Server.PendingUploadIds(bucket));
        return new Filling(h, name, bucket, uploadId);
    }

    private sealed record Filling(OperatorHarness Harness, string Name, string Bucket, string UploadId) : IAsyncDisposable
    {
        /// <summary>Deletes the run and waits until the operator has let it go.</summary>
        public async Task DeleteAsync()
        {
            await Harness.Runs.DeleteAsync(new ResourceKey(OperatorHarness.Namespace, Name), Ct);
            await Eventually.UntilAsync(() => Harness.Run(Name), run => run is null, TimeSpan.FromSeconds(20), $"{Name} to be deleted",
                run => $"still there, finalizers {string.Join(",", run?.Metadata.Finalizers ?? [])}", cancellationToken: Ct);
        }

        public ValueTask DisposeAsync() => Harness.DisposeAsync();
    }
}
