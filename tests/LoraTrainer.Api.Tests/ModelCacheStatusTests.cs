using LoraTrainer.Api;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Api.Tests;

public sealed class ModelCacheStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 11, 0, 0, TimeSpan.Zero);
    private const string Key = "base-models/sha256/4a1b";

    [Fact]
    public void ModelCached_WithParts_RecordsThemForTheOperatorToComplete_WithoutChangingThePhase()
    {
        var run = Training(new ModelFileStatus { Name = "sdxl.safetensors", CacheUri = $"s3://model-cache/{Key}", Cache = ModelCacheStates.Filling, UploadId = "u-1" });
        CachePartStatus[] parts = [new() { PartNumber = 1, ETag = "\"e1\"" }];

        var result = PhaseMachine.Apply(run, new ModelCachedInput(5, 1, Key, "u-1", parts, null), Now);

        Assert.True(result.Accepted);
        Assert.Equal(TrainingPhase.Training, result.Status.Phase);
        var file = Assert.Single(result.Status.Model!.Files);
        Assert.Equal(ModelCacheStates.Uploaded, file.Cache);
        Assert.Equal(parts, file.Parts);
        Assert.False(file.FromCache);
    }

    [Fact]
    public void ModelCached_WithoutParts_MarksTheFileFailedWithTheAgentsReason()
    {
        var run = Training(new ModelFileStatus { Name = "sdxl.safetensors", CacheUri = $"s3://model-cache/{Key}", Cache = ModelCacheStates.Filling, UploadId = "u-1" });

        var file = Assert.Single(PhaseMachine.Apply(run, new ModelCachedInput(5, 1, Key, "u-1", null, "HTTP 403"), Now).Status.Model!.Files);

        Assert.Equal(ModelCacheStates.Failed, file.Cache);
        Assert.Equal("u-1", file.UploadId);
        Assert.Equal("HTTP 403", file.CacheError);
    }

    [Fact]
    public void ModelCacheRejected_MarksTheHitRejectedAndNotFromTheCache()
    {
        var run = Training(new ModelFileStatus { Name = "sdxl.safetensors", CacheUri = $"s3://model-cache/{Key}", Cache = ModelCacheStates.Hit, FromCache = true });

        var file = Assert.Single(PhaseMachine.Apply(run, new ModelCacheRejectedInput(3, 1, Key, null), Now).Status.Model!.Files);

        Assert.Equal(ModelCacheStates.Rejected, file.Cache);
        Assert.False(file.FromCache);
    }

    [Fact]
    public void ModelCached_ForAKeyNoFileOfTheRunHas_IsIgnored()
    {
        var run = Training(new ModelFileStatus { Name = "sdxl.safetensors", CacheUri = $"s3://model-cache/other/{Key}", Cache = ModelCacheStates.Filling, UploadId = "u-1" });

        Assert.False(PhaseMachine.Apply(run, new ModelCachedInput(5, 1, Key, "u-1", [new() { PartNumber = 1, ETag = "e" }], null), Now).Accepted);
    }

    private static TrainingRun Training(ModelFileStatus file)
    {
        var run = new TrainingRunBuilder().InPhase(TrainingPhase.Training).Build();
        run.Status = run.Status! with { Attempt = 1, LastEventSeq = 2, Model = new ModelStatus { Files = [file] } };
        return run;
    }
}
