using System.Security.Cryptography;
using LoraTrainer.Api;
using LoraTrainer.Operator.ModelCache;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.S3;

namespace LoraTrainer.Operator.Tests.ModelCache;

public sealed class ModelCacheKeeperTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SettleAsync_WhenARejectedObjectWasReplacedByAnotherRunsGoodCopy_KeepsTheNewCopy()
    {
        var (store, location) = await CacheAsync();
        var content = RandomNumberGenerator.GetBytes(4096);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content));
        var target = location.ObjectOf(sha256);
        var corrupt = await ModelCacheObjects.PutAsync(store, location, RandomNumberGenerator.GetBytes(4096), sha256, Ct);
        var run = Rejected(target, sha256, corrupt.ETag);

        // Another run refills the key between this run's read and its eviction.
        await ModelCacheObjects.PutAsync(store, location, content, sha256, Ct);
        var settled = await ModelCacheKeeper.SettleAsync(run, store, Ct);

        var head = await store.HeadAsync(target.Bucket, target.Key, Ct);
        Assert.NotNull(head);
        Assert.NotEqual(corrupt.ETag, head.ETag);
        await using (var read = await store.OpenReadAsync(target.Bucket, target.Key, Ct))
        {
            Assert.Equal(sha256, Convert.ToHexStringLower(await SHA256.HashDataAsync(read, Ct)));
        }

        var file = Assert.Single(settled.Files);
        Assert.NotEqual(ModelCacheStates.Evicted, file.Cache);
        run.Status = run.Status! with { Model = run.Status.Model! with { Files = settled.Files } };
        Assert.False(ModelCacheKeeper.HasWork(run));
        Assert.Contains(settled.Notices, n => n is { Warning: true, Reason: "ModelCacheRejected" } && n.Message.Contains("kept", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SettleAsync_WhenTheRejectedObjectIsStillTheOneTheRunRead_EvictsIt()
    {
        var (store, location) = await CacheAsync();
        var sha256 = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var target = location.ObjectOf(sha256);
        var corrupt = await ModelCacheObjects.PutAsync(store, location, RandomNumberGenerator.GetBytes(4096), sha256, Ct);

        var settled = await ModelCacheKeeper.SettleAsync(Rejected(target, sha256, corrupt.ETag), store, Ct);

        Assert.Null(await store.HeadAsync(target.Bucket, target.Key, Ct));
        Assert.Equal(ModelCacheStates.Evicted, Assert.Single(settled.Files).Cache);
    }

    private static TrainingRun Rejected(S3Uri target, string sha256, string eTag)
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = run.Status! with
        {
            Model = new ModelStatus
            {
                Files = [new ModelFileStatus { Name = "sdxl.safetensors", Sha256 = sha256, CacheUri = target.ToString(), Cache = ModelCacheStates.Rejected, CacheETag = eTag }],
            },
        };
        return run;
    }

    private Task<(IObjectStore Store, ModelCacheLocation Location)> CacheAsync() => ModelCacheObjects.NewCacheAsync(s3.Server, Ct);
}
