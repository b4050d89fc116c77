using LoraTrainer.Agent.Training;
using LoraTrainer.Agent.Training.Output;
using LoraTrainer.Agent.Training.Samples;
using LoraTrainer.Protocol;

namespace LoraTrainer.Agent.Tests.Training.Samples;

/// <summary>The prompt file sd-scripts reads, finding its images by name, checking them, and timing its rounds.</summary>
public sealed class SampleFileTests
{
    private static readonly byte[] Png =
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, .. "IHDR"u8, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xDE,
        0, 0, 0, 0, .. "IEND"u8, 0xAE, 0x42, 0x60, 0x82,
    ];

    [Fact]
    public void Text_WritesOneLinePerPromptWithEveryOption()
    {
        SamplePrompt[] prompts =
        [
            new() { Prompt = "ohwx woman, portrait", NegativePrompt = "blurry, lowres", Seed = 1234, Width = 832, Height = 1216, Steps = 28, CfgScale = 6.5 },
            new() { Prompt = "ohwx woman hiking", Seed = 43, Width = 1024, Height = 1024, Steps = 20, CfgScale = 1 },
        ];

        var text = SamplePromptFile.Text(prompts);

        Assert.Equal(
            "ohwx woman, portrait --n blurry, lowres --w 832 --h 1216 --d 1234 --s 28 --l 6.5\n"
            + "ohwx woman hiking --w 1024 --h 1024 --d 43 --s 20 --l 1\n",
            text);
    }

    [Theory]
    [InlineData("ohwx --w 4096", null)]
    [InlineData("two\nlines", null)]
    [InlineData("ohwx", "bad --d 1")]
    [InlineData("# a comment to sd-scripts", null)]
    public void Text_RefusesAPromptSdScriptsWouldMisread(string prompt, string? negative)
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => SamplePromptFile.Text([new SamplePrompt { Prompt = prompt, NegativePrompt = negative, Width = 512, Height = 512 }]));

        Assert.StartsWith("samples.prompts[0].", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_PicksTheImageOfTheEpochAndPromptByName_TheNewestWhenRenderedTwice()
    {
        using var output = new TempFolder();
        var folder = Directory.CreateDirectory(SampleFiles.Folder(output.Path)).FullName;
        foreach (var name in new[]
        {
            "run_e000002_00_20260101120000_42.png", "run_e000002_01_20260101120001_43.png", "run_e000002_00_20260101130000_42.png",
            "run_e000012_00_20260101120000.png", "run-x_e000002_00_20260101120000.png", "run_e000002_00_notastamp.png", "run_000002_00_20260101120000.png",
        })
        {
            File.WriteAllBytes(Path.Combine(folder, name), Png);
        }

        Assert.Equal("run_e000002_00_20260101130000_42.png", Path.GetFileName(SampleFiles.Find(output.Path, "run", 2, 0)));
        Assert.Equal("run_e000002_01_20260101120001_43.png", Path.GetFileName(SampleFiles.Find(output.Path, "run", 2, 1)));
        Assert.Equal("run_e000012_00_20260101120000.png", Path.GetFileName(SampleFiles.Find(output.Path, "run", 12, 0)));
        Assert.Null(SampleFiles.Find(output.Path, "run", 1, 0));
        Assert.Null(SampleFiles.Find(output.Path, "run", 2, 2));
    }

    [Fact]
    public void PngProblem_AcceptsAWholePng_AndNamesWhatIsWrongWithOthers()
    {
        using var folder = new TempFolder();
        string Write(string name, byte[] bytes)
        {
            var path = folder.Combine(name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        Assert.Null(SampleFiles.PngProblem(Write("whole.png", Png)));
        Assert.Equal("a PNG cut short", SampleFiles.PngProblem(Write("cut.png", Png[..^4])));
        Assert.Equal("not a PNG", SampleFiles.PngProblem(Write("jpeg.png", [0xFF, 0xD8, 0xFF, .. new byte[60]])));
        Assert.Equal("not a PNG", SampleFiles.PngProblem(Write("empty.png", [])));
    }

    [Fact]
    public void RemainingSeconds_CountsTheTimedRoundMeanForEveryRoundStillToCome()
    {
        var clock = new SampleClock([0, 2, 4]);
        var start = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(0, clock.RemainingSeconds(1));

        clock.Observe(new SamplingStarted(), start);
        clock.Observe(new EpochStarted(1, 4), start.AddSeconds(30));

        Assert.Equal(60, clock.RemainingSeconds(1));
        Assert.Equal(60, clock.RemainingSeconds(2));
        Assert.Equal(30, clock.RemainingSeconds(3));
        Assert.Equal(0, clock.RemainingSeconds(5));
    }

    [Fact]
    public void Parse_OfAnEchoedSamplePrompt_IsNoSignalWhateverItSays()
    {
        Assert.Null(TrainerOutputParser.Parse("2026-01-01 12:00:00 INFO     prompt: ohwx woman, model saved.                   train_util.py:6145"));
        Assert.Null(TrainerOutputParser.Parse("2026-01-01 12:00:00 INFO     negative_prompt: CUDA out of memory                train_util.py:6145"));
        Assert.IsType<SamplingStarted>(TrainerOutputParser.Parse("2026-01-01 12:00:00 INFO     generating sample images at step / サンプル画像生成 ステップ: 40 train_util.py:6035"));
    }
}
