using LoraTrainer.Agent.Datasets;
using LoraTrainer.Protocol;
using Tomlyn;
using Tomlyn.Model;

namespace LoraTrainer.Agent.Tests.Datasets;

public sealed class DatasetLayoutTests
{
    [Fact]
    public void Render_WritesTheSchemaSdScriptsValidates()
    {
        var layout = new DatasetLayout { Repeats = 10, ClassTokens = "ohwx woman", CaptionExtension = "txt", Resolution = 1024, BatchSize = 2 };

        var toml = TomlSerializer.Deserialize<TomlTable>(DatasetToml.Render(layout, "/workspace/lora-run/dataset/images"))!;

        var general = (TomlTable)toml["general"]!;
        var dataset = ((TomlTableArray)toml["datasets"]!)[0];
        var subset = ((TomlTableArray)dataset["subsets"]!)[0];
        Assert.Equal(".txt", general["caption_extension"]);
        Assert.Equal(1024L, dataset["resolution"]);
        Assert.Equal(2L, dataset["batch_size"]);
        Assert.Equal(true, dataset["enable_bucket"]);
        Assert.Equal("/workspace/lora-run/dataset/images", subset["image_dir"]);
        Assert.Equal(10L, subset["num_repeats"]);
        Assert.Equal("ohwx woman", subset["class_tokens"]);
    }

    [Fact]
    public void Render_WithoutClassTokens_LeavesTheKeyOut()
    {
        var toml = DatasetToml.Render(new DatasetLayout { ClassTokens = null }, "/i");

        Assert.DoesNotContain("class_tokens", toml, StringComparison.Ordinal);
    }

    [Fact]
    public void Flatten_MovesNestedImagesUpWithTheirCaptionsAndCountsThem()
    {
        using var folder = new TempFolder();
        var images = folder.Combine("images");
        Directory.CreateDirectory(Path.Combine(images, "beach"));
        File.WriteAllText(Path.Combine(images, "a.png"), "x");
        File.WriteAllText(Path.Combine(images, "beach", "a.png"), "y");
        File.WriteAllText(Path.Combine(images, "beach", "a.txt"), "ohwx on a beach");
        File.WriteAllText(Path.Combine(images, "notes.md"), "-");

        DatasetFolder.Flatten(images);
        var (imageCount, captions) = DatasetFolder.Count(images, ".txt");

        Assert.Equal(2, imageCount);
        Assert.Equal(1, captions);
        Assert.Equal("ohwx on a beach", File.ReadAllText(Path.Combine(images, "beach_a.txt")));
        Assert.Empty(Directory.EnumerateDirectories(images));
    }

    [Fact]
    public void Flatten_WhenAFlattenedNameIsTaken_RenamesTheImageAndItsCaptionTogether()
    {
        using var folder = new TempFolder();
        var images = folder.Combine("images");
        Directory.CreateDirectory(Path.Combine(images, "beach"));
        File.WriteAllText(Path.Combine(images, "beach_a.png"), "top-level image without a caption");
        File.WriteAllText(Path.Combine(images, "beach", "a.png"), "nested image");
        File.WriteAllText(Path.Combine(images, "beach", "a.txt"), "ohwx on a beach");

        DatasetFolder.Flatten(images);

        Assert.False(File.Exists(Path.Combine(images, "beach_a.txt")), "the top-level image must not inherit the nested image's caption");
        Assert.Equal("nested image", File.ReadAllText(Path.Combine(images, "beach_a_2.png")));
        Assert.Equal("ohwx on a beach", File.ReadAllText(Path.Combine(images, "beach_a_2.txt")));
        Assert.Equal((2, 1), DatasetFolder.Count(images, ".txt"));
    }

    [Fact]
    public void Flatten_WhenOnlyACaptionNameIsTaken_StillKeepsTheNestedPairTogether()
    {
        using var folder = new TempFolder();
        var images = folder.Combine("images");
        Directory.CreateDirectory(Path.Combine(images, "beach"));
        File.WriteAllText(Path.Combine(images, "beach_a.txt"), "a stray caption");
        File.WriteAllText(Path.Combine(images, "beach", "a.png"), "nested image");
        File.WriteAllText(Path.Combine(images, "beach", "a.txt"), "ohwx on a beach");

        DatasetFolder.Flatten(images);

        Assert.Equal("a stray caption", File.ReadAllText(Path.Combine(images, "beach_a.txt")));
        Assert.Equal("ohwx on a beach", File.ReadAllText(Path.Combine(images, "beach_a_2.txt")));
        Assert.True(File.Exists(Path.Combine(images, "beach_a_2.png")));
    }
}
