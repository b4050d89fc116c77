using LoraTrainer.Protocol.SdScripts;

namespace LoraTrainer.Protocol.Tests;

/// <summary>What sd-scripts accepts per family, as the operator's pre-rent check and the agent both read it.</summary>
public sealed class SdScriptsRulesTests
{
    [Fact]
    public void EveryFamily_TrainsWithAScriptWhosePinnedArgumentListShips()
    {
        Assert.Equal(["sd15", "sdxl", "flux"], SdScriptsRules.Families.Select(f => f.Name));
        Assert.All(SdScriptsRules.Families, f => Assert.Contains("network_dim", f.Arguments));
        Assert.Equal(SdScriptsArguments.Scripts, SdScriptsRules.Families.Select(f => f.Script).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("noise_offset", "sd15,sdxl,flux")]
    [InlineData("cache_text_encoder_outputs", "sdxl,flux")]
    [InlineData("guidance_scale", "flux")]
    [InlineData("blocks_to_swap", "flux")]
    [InlineData("output_dir", "")]
    [InlineData("t5xxl", "")]
    public void TakesExtraArg_IsTheAllowlistNarrowedToWhatEachFamilysPinnedScriptTakes(string name, string families)
    {
        Assert.Equal(families, string.Join(',', SdScriptsRules.Families.Where(f => f.TakesExtraArg(name)).Select(f => f.Name)));
    }

    [Fact]
    public void Conflicts_AreEachScriptsOwn_SdxlRefusesCachingWhileTheTextEncodersTrain_FluxOnlyWhileT5xxlTrains()
    {
        var caching = new TrainingArgs { CacheTextEncoderOutputs = true };

        Assert.Equal("cache_text_encoder_outputs", Assert.Single(SdScriptsRules.Conflicts(SdScriptsRules.SdxlScript, caching)).Argument);
        Assert.Empty(SdScriptsRules.Conflicts(SdScriptsRules.SdxlScript, caching with { NetworkTrainUnetOnly = true }));
        Assert.Empty(SdScriptsRules.Conflicts(SdScriptsRules.FluxScript, caching));
        Assert.Single(SdScriptsRules.Conflicts(SdScriptsRules.FluxScript, caching with { NetworkArgs = ["train_t5xxl=True"] }));
    }

    [Fact]
    public void Family_WithAnUnknownName_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SdScriptsRules.Family("sd3"));
    }
}
