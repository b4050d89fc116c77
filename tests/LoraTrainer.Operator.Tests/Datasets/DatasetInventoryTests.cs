using LoraTrainer.Datasets;
using LoraTrainer.Operator.Datasets;
using LoraTrainer.Operator.Storage;

namespace LoraTrainer.Operator.Tests.Datasets;

public sealed class DatasetInventoryTests
{
    [Fact]
    public void From_WhenPrefixHoldsImagesCaptionsAndOtherFiles_PairsCaptionsAndSkipsTheRest()
    {
        var inventory = DatasetInventory.From(
            [Obj("p/a.JPG"), Obj("p/a.txt"), Obj("p/b.png"), Obj("p/c.webp"), Obj("p/c.TXT"), Obj("p/notes.pdf"),
             Obj("p/orphan.txt"), Obj("p/.DS_Store"), Obj("p/sub/"), Obj("p/sub/d.bmp"), Obj("p/sub/d.txt")],
            "p/");

        Assert.Equal(["a.JPG", "b.png", "c.webp", "sub_d.bmp"], inventory.Images.Select(i => i.EntryName));
        Assert.Equal(["p/a.txt", null, "p/c.TXT", "p/sub/d.txt"], inventory.Images.Select(i => i.Caption?.Key));
        Assert.Equal(["a.txt", "b.txt", "c.txt", "sub_d.txt"], inventory.Images.Select(i => i.CaptionEntryName));
        Assert.Equal(["p/.DS_Store", "p/notes.pdf", "p/orphan.txt"], inventory.Skipped.Select(s => s.Key));
        Assert.Equal(3, inventory.CaptionCount);
        Assert.Empty(inventory.NameClashes);
    }

    [Fact]
    public void From_WhenTwoFilesFlattenToOneName_ReportsTheClash()
    {
        var inventory = DatasetInventory.From([Obj("p/sub/a.jpg"), Obj("p/sub_a.jpg")], "p/");

        var clash = Assert.Single(inventory.NameClashes);
        Assert.Equal(("p/sub/a.jpg", "p/sub_a.jpg"), clash);
    }

    [Fact]
    public void ContentHash_WhenAnETagOrTheGeneratedCaptionChanges_Changes()
    {
        var original = DatasetInventory.From([Obj("p/a.jpg", "\"1\""), Obj("p/b.jpg", "\"2\"")], "p/");
        var reordered = DatasetInventory.From([Obj("p/b.jpg", "\"2\""), Obj("p/a.jpg", "\"1\"")], "p/");
        var edited = DatasetInventory.From([Obj("p/a.jpg", "\"1\""), Obj("p/b.jpg", "\"3\"")], "p/");

        var hash = DatasetContentHash.Compute(original, null);

        Assert.Matches("^[0-9a-f]{64}$", hash);
        Assert.Equal(hash, DatasetContentHash.Compute(reordered, null));
        Assert.NotEqual(hash, DatasetContentHash.Compute(edited, null));
        Assert.NotEqual(hash, DatasetContentHash.Compute(original, "ohwx woman"));
    }

    [Fact]
    public void PartSizeFor_WhenDatasetWouldNeedMoreThanTenThousandParts_RaisesThePartSize()
    {
        var small = DatasetInventory.From([Obj("p/a.jpg", size: 10_000_000)], "p/");
        var huge = DatasetInventory.From([Obj("p/a.jpg", size: 100L * 1024 * 1024 * 1024)], "p/");

        var smallPart = DatasetZipper.PartSizeFor(small, 8 * 1024 * 1024);
        var hugePart = DatasetZipper.PartSizeFor(huge, 8 * 1024 * 1024);

        Assert.Equal(8 * 1024 * 1024, smallPart);
        Assert.True((long)hugePart * S3Limits.MaxParts > 100L * 1024 * 1024 * 1024);
        Assert.Equal(0, hugePart % S3Limits.MinPartSize);
    }

    [Theory]
    [InlineData(true, "ohwx", "woman", "ohwx woman")]
    [InlineData(true, null, "woman", "woman")]
    [InlineData(true, null, null, null)]
    [InlineData(false, "ohwx", "woman", null)]
    public void CaptionFor_WritesTriggerWordThenClassTokensOnlyWhenAsked(bool generate, string? trigger, string? classTokens, string? expected)
    {
        var caption = DatasetRequest.CaptionFor(new Api.DatasetSpec
        {
            GenerateMissingCaptions = generate, TriggerWord = trigger, ClassTokens = classTokens,
        });

        Assert.Equal(expected, caption);
    }

    private static StoredObject Obj(string key, string etag = "\"e\"", long size = 10) => new(key, size, etag);
}
