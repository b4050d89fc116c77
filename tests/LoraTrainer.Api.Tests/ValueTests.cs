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
    }
}
