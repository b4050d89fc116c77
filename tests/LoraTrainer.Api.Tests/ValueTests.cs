using System.Text.Json;
using LoraTrainer.Api;

namespace LoraTrainer.Api.Tests;

public sealed class ValueTests
{
    [Theory]
    [InlineData("90s", 90)]
    [InlineData("20m", 1200)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    public void Duration_ParsesGoStyleDurations(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Duration.Parse(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("20")]
    [InlineData("20 minutes")]
    [InlineData("-5m")]
    public void Duration_RefusesWhatIsNotADurationWithAMessageSayingHowToWriteIt(string text)
    {
        var error = Assert.Throws<FormatException>(() => Duration.Parse(text));
        Assert.Contains("write it like 90s, 20m or 1h30m", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrainingDefaults_AreNotSdScriptsOwnDefaults()
    {
        foreach (var family in Enum.GetValues<ModelFamily>())
        {
            var d = TrainingDefaults.For(family);
            Assert.True(d.LearningRate >= 5e-5, $"{family}: sd-scripts' 2e-6 trains almost nothing");
            Assert.True(d.NetworkDim >= 16 && d.NetworkAlpha > 1, $"{family}: rank 4 / alpha 1 is too weak");
        }
    }

    [Fact]
    public void TrainingDefaults_UserValuesWinAndFluxNeverTrainsTheTextEncoder()
    {
        var resolved = TrainingDefaults.Resolve(ModelFamily.Flux, new TrainingSpec { NetworkDim = 64, TextEncoderLr = 1e-5 }, new DatasetSpec { Resolution = 768 });

        Assert.Equal(64, resolved.NetworkDim);
        Assert.Equal(0, resolved.TextEncoderLr);
        Assert.Equal(768, resolved.Resolution);
        Assert.Equal("flux_train_network.py", TrainingDefaults.Script(ModelFamily.Flux));
    }

    [Fact]
    public void ExtraArgs_RefusesArgumentsTheOperatorControlsAndObjects()
    {
        var args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"noise_offset":0.05,"output_dir":"/tmp","network_args":["conv_dim=4"],"optimizer_args":{"a":1}}""")!;

        var errors = ExtraArgs.Validate(args);

        Assert.Equal(
            ["spec.training.extraArgs.optimizer_args must be a number, string, boolean or list", "spec.training.extraArgs.output_dir is not an allowed sd-scripts argument"],
            errors);
    }

    [Fact]
    public void ExtraArgs_ForAFamilyWhoseScriptLacksAnArgument_SaysWhichFamiliesTakeIt()
    {
        var args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"guidance_scale":3.5,"cache_text_encoder_outputs":true,"noise_offset":0.05}""")!;

        Assert.Equal(
            ["spec.training.extraArgs.cache_text_encoder_outputs is only for sdxl and flux models, and this run trains sd15",
             "spec.training.extraArgs.guidance_scale is only for flux models, and this run trains sd15"],
            ExtraArgs.ValidateFor(args, ModelFamily.Sd15));
        Assert.Equal(["spec.training.extraArgs.guidance_scale is only for flux models, and this run trains sdxl"], ExtraArgs.ValidateFor(args, ModelFamily.Sdxl));
        Assert.Empty(ExtraArgs.ValidateFor(args, ModelFamily.Flux));
    }

    [Theory]
    [InlineData("0.1", true)]
    [InlineData("0", true)]
    [InlineData("1", false)]
    [InlineData("-0.2", false)]
    [InlineData("\"0.1\"", false)]
    public void ExtraArgs_AcceptsAValidationSplitOnlyBetweenZeroAndOne(string value, bool accepted)
    {
        var args = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>($$"""{"validation_split":{{value}},"validate_every_n_epochs":2,"validation_seed":7,"max_validation_steps":10}""")!;

        var errors = ExtraArgs.Validate(args);

        if (accepted)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal(["spec.training.extraArgs.validation_split must be a number from 0 up to (not including) 1: the share of images held out for validation"], errors);
        }
    }
}
