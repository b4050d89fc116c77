using System.Security.Cryptography;
using Amazon.S3.Model;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.EndToEndTests.Stack;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.S3;
using LoraTrainer.Testing.World;

namespace LoraTrainer.EndToEndTests;

/// <summary>Base models cached in the user's bucket, with Civitai serving files at a slow CDN's rate.</summary>
public sealed class ModelCacheTests : IAsyncLifetime
{
    private const string CacheBucket = "model-cache";
    private const string CachePrefix = "base-models";
    // 64 KiB at 16 KiB/s: a download from Civitai takes about four seconds, a read from the cache a moment.
    private const long CivitaiRate = 16 * 1024;
    private TestWorld _stack = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _stack = await Scenario.StartStackAsync(CivitaiRate, [.. Enumerable.Range(1, 6).Select(i => TestWorld.Offer(700 + i, machine: 80 + i))]);
        await _stack.S3.EnsureBucketAsync(CacheBucket, Ct);
        _stack.Agents.Trainer = _ => Scenario.Fast;
    }

    public ValueTask DisposeAsync() => _stack is null ? ValueTask.CompletedTask : _stack.DisposeAsync();

    [Fact]
    public async Task SecondRunOfAModel_TakesNoBytesFromCivitai_ReachesTrainingSooner_AndACorruptedObjectIsEvictedAndRefilled()
    {
        var key = $"{CachePrefix}/sha256/{Convert.ToHexStringLower(SHA256.HashData(_stack.Model))}";

        var first = await TimeToTrainingAsync("cache-fill", TestWorld.ModelVersionId);
        var filled = await _stack.WaitForAsync("cache-fill", r => r.Status?.Model?.Files is [{ Cache: ModelCacheStates.Cached }], cancellationToken: Ct);
        Assert.False(filled.Status!.Model!.Files[0].FromCache);
        Assert.Equal(_stack.Model, await _stack.S3.GetObjectAsync(CacheBucket, key, Ct));
        var metadata = await HeadAsync(key);
        Assert.Equal(key[^64..], metadata["x-amz-meta-sha256"]);
        Assert.Equal("civitai%3Amodel-version%2F128078", metadata["x-amz-meta-source"]);
        Assert.Empty(_stack.S3.PendingUploadIds(CacheBucket));

        var fileRequests = FileRequests();
        var second = await TimeToTrainingAsync("cache-hit", TestWorld.ModelVersionId);
        var hit = await _stack.CompletesAsync("cache-hit");
        Assert.Equal(fileRequests, FileRequests());
        Assert.True(hit.Status!.Model!.Files is [{ FromCache: true, Cache: ModelCacheStates.Hit }]);
        TestContext.Current.TestOutputHelper?.WriteLine($"to training: {first.TotalSeconds:F1}s filling the cache, {second.TotalSeconds:F1}s from it");
        Assert.True(second < first, $"from the cache {second.TotalSeconds:F1}s, from Civitai {first.TotalSeconds:F1}s");

        // Same recorded SHA-256 and size, other bytes: only the agent's check can tell.
        await PutAsync(key, RandomNumberGenerator.GetBytes(_stack.Model.Length), metadata["x-amz-meta-sha256"]);
        await TimeToTrainingAsync("cache-corrupt", TestWorld.ModelVersionId);
        var rejected = await _stack.WaitForAsync("cache-corrupt", r => r.Status?.Model?.Files is [{ Cache: ModelCacheStates.Evicted }], cancellationToken: Ct);
        Assert.False(rejected.Status!.Model!.Files[0].FromCache);
        Assert.True(FileRequests() > fileRequests);
        Assert.Contains(_stack.Kube.List<Corev1Event>(_stack.Namespace), e => e.Type == "Warning" && e.Reason == "ModelCacheRejected" && e.InvolvedObject.Name == "cache-corrupt");
        await _stack.CompletesAsync("cache-corrupt");
        Assert.Null(await _stack.S3.GetObjectAsync(CacheBucket, key, Ct));

        await TimeToTrainingAsync("cache-refill", TestWorld.ModelVersionId);
        await _stack.WaitForAsync("cache-refill", r => r.Status?.Model?.Files is [{ Cache: ModelCacheStates.Cached }], cancellationToken: Ct);
        Assert.Equal(_stack.Model, await _stack.S3.GetObjectAsync(CacheBucket, key, Ct));
    }

    [Fact]
    public async Task TwoRunsMissingTheSameFileAtOnce_BothComplete_AndTheCacheHoldsOneCompleteObject()
    {
        var model = RandomNumberGenerator.GetBytes(48 * 1024);
        _stack.Civitai.Add(FakeCivitaiVersion.Checkpoint(990001, "SDXL 1.0", "urn:air:sdxl:checkpoint:civitai:990000@990001", "twin.safetensors", model));
        var key = $"{CachePrefix}/sha256/{Convert.ToHexStringLower(SHA256.HashData(model))}";

        await _stack.ApplyAsync(Manifest("twin-a", 990001) + "---\n" + Manifest("twin-b", 990001));
        foreach (var name in new[] { "twin-a", "twin-b" })
        {
            await _stack.CompletesAsync(name);
            var run = await _stack.WaitForAsync(name, r => r.Status?.Model?.Files is [{ Cache: ModelCacheStates.Cached or ModelCacheStates.Hit }], cancellationToken: Ct);
            Assert.NotEqual(ModelCacheStates.Failed, run.Status!.Model!.Files[0].Cache);
        }

        Assert.Equal([key], await _stack.S3.ListKeysAsync(CacheBucket, cancellationToken: Ct) is var keys ? keys.Where(k => k.StartsWith(CachePrefix, StringComparison.Ordinal)).Where(k => k == key).ToList() : []);
        Assert.Equal(model, await _stack.S3.GetObjectAsync(CacheBucket, key, Ct));
        Assert.Empty(_stack.S3.PendingUploadIds(CacheBucket));
    }

    [Fact]
    public async Task ACachedModel_TrainsThroughACivitaiOutage_WhileAnUncachedOneWaitsForCivitai()
    {
        _stack.Civitai.Add(FakeCivitaiVersion.Checkpoint(990101, "SDXL 1.0", "urn:air:sdxl:checkpoint:civitai:990100@990101", "kept.safetensors", RandomNumberGenerator.GetBytes(32 * 1024)) with { ModelName = "Kept" });
        _stack.Civitai.Add(FakeCivitaiVersion.Checkpoint(990102, "SDXL 1.0", "urn:air:sdxl:checkpoint:civitai:990100@990102", "new.safetensors", RandomNumberGenerator.GetBytes(1024)));
        await TimeToTrainingAsync("outage-fill", 990101);
        var filled = await _stack.WaitForAsync("outage-fill", r => r.Status?.Model?.Files is [{ Cache: ModelCacheStates.Cached }], cancellationToken: Ct);

        _stack.Civitai.OutageStatus = 503;
        var asked = _stack.Civitai.Requests.Count;
        var started = TimeProvider.System.GetTimestamp();
        await _stack.ApplyAsync(Manifest("outage-hit", 990101) + "---\n" + Manifest("outage-miss", 990102));

        await _stack.WaitForAsync("outage-hit", r => r.Status?.Phase is TrainingPhase.Training or TrainingPhase.Completed or TrainingPhase.Failed, seconds: 60, cancellationToken: Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"to training with Civitai answering 503: {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1}s");
        var hit = await _stack.CompletesAsync("outage-hit");
        Assert.True(hit.Status!.Model!.Files is [{ FromCache: true, Cache: ModelCacheStates.Hit }]);
        Assert.Equal((filled.Status!.Model!.Family, filled.Status.Model.Name, filled.Status.Model.Sha256), (hit.Status.Model.Family, hit.Status.Model.Name, hit.Status.Model.Sha256));
        var waiting = await _stack.WaitForAsync("outage-miss", r => r.Status?.Message?.Contains("Civitai", StringComparison.Ordinal) == true, seconds: 60, cancellationToken: Ct);
        Assert.Equal(TrainingPhase.Pending, waiting.Status!.Phase);
        Assert.StartsWith("waiting: ", waiting.Status.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_stack.Civitai.Requests.Skip(asked), r => r.Path.EndsWith("/990101", StringComparison.Ordinal));
    }

    private async Task<TimeSpan> TimeToTrainingAsync(string name, long versionId)
    {
        var started = TimeProvider.System.GetTimestamp();
        await _stack.ApplyAsync(Manifest(name, versionId));
        await _stack.WaitForAsync(name, r => r.Status?.Phase is TrainingPhase.Training or TrainingPhase.Completed or TrainingPhase.Failed, seconds: 60, cancellationToken: Ct);
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        await _stack.CompletesAsync(name);
        return elapsed;
    }

    // Civitai's bytes come from its signed file URLs; its download endpoint only answers the operator's look for that
    // URL with a redirect.
    private int FileRequests() => _stack.Civitai.RequestsTo("/files/").Count;

    private async Task<IReadOnlyDictionary<string, string>> HeadAsync(string key)
    {
        using var client = S3rverServer.ClientFor(_stack.S3.ServiceUrl);
        var head = await client.GetObjectMetadataAsync(CacheBucket, key, Ct);
        return head.Metadata.Keys.ToDictionary(k => k, k => head.Metadata[k], StringComparer.OrdinalIgnoreCase);
    }

    private async Task PutAsync(string key, byte[] content, string sha256)
    {
        using var client = S3rverServer.ClientFor(_stack.S3.ServiceUrl);
        var request = new PutObjectRequest { BucketName = CacheBucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false };
        request.Metadata.Add("sha256", sha256);
        request.Metadata.Add("size", content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await client.PutObjectAsync(request, Ct);
    }

    private static string Manifest(string name, long versionId) => $"""
        apiVersion: loratrainer.io/v1alpha1
        kind: TrainingRun
        metadata:
          name: {name}
        spec:
          baseModel:
            civitai:
              modelVersionId: {versionId}
            cache:
              bucket: {CacheBucket}
              prefix: {CachePrefix}
          dataset:
            s3:
              bucket: {TestWorld.ImagesBucket}
              prefix: {TestWorld.ImagesPrefix}
            triggerWord: ohwx
            classTokens: woman
          training:
            maxTrainEpochs: 4
          gpu:
            gpuNames: ["RTX 4090"]
            maxPricePerHour: 0.60
          output:
            s3:
              bucket: {TestWorld.OutputBucket}
              prefix: loras/{name}/

        """;
}
