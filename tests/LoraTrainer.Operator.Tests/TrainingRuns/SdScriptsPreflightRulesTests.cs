using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Operator.TrainingRuns;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>What the operator refuses in <c>spec.training.extraArgs</c> before renting, and the sentence it says.</summary>
public sealed class SdScriptsPreflightRulesTests
{
    [Fact]
    public void ExtraArgErrors_RefusesArgumentsTheOperatorControlsAndObjects()
    {
        var errors = SdScriptsPreflight.ExtraArgErrors(Args("""{"noise_offset":0.05,"output_dir":"/tmp","network_args":["conv_dim=4"],"optimizer_args":{"a":1}}"""));

        Assert.Equal(
            ["spec.training.extraArgs.optimizer_args must be a number, string, boolean or list", "spec.training.extraArgs.output_dir is not an allowed sd-scripts argument"],
            errors);
    }

    [Theory]
    [InlineData("network_train_unet_only", "\"yes\"", "true or false")]
    [InlineData("cache_text_encoder_outputs", "1", "true or false")]
    [InlineData("network_args", "[\"conv_dim=4\", 4]", "a list of strings")]
    [InlineData("save_precision", "16", "a string")]
    public void ExtraArgErrors_WhenAnArgumentTheRulesReadHasAnotherKindOfValue_SaysWhichKindItTakes(string name, string value, string kind)
    {
        var errors = SdScriptsPreflight.ExtraArgErrors(Args($$"""{"{{name}}":{{value}}}"""));

        Assert.Equal([$"spec.training.extraArgs.{name} must be {kind}"], errors);
    }

    [Fact]
    public void FamilyErrors_ForAFamilyWhoseScriptLacksAnArgument_SaysWhichFamiliesTakeIt()
    {
        var args = Args("""{"guidance_scale":3.5,"cache_text_encoder_outputs":true,"noise_offset":0.05}""");

        Assert.Equal(
            ["spec.training.extraArgs.cache_text_encoder_outputs is only for sdxl and flux models, and this run trains sd15",
             "spec.training.extraArgs.guidance_scale is only for flux models, and this run trains sd15"],
            SdScriptsPreflight.FamilyErrors(TrainingDefaults.For(ModelFamily.Sd15), args));
        Assert.Equal(["spec.training.extraArgs.guidance_scale is only for flux models, and this run trains sdxl"],
            SdScriptsPreflight.FamilyErrors(TrainingDefaults.For(ModelFamily.Sdxl), args));
        Assert.Empty(SdScriptsPreflight.FamilyErrors(TrainingDefaults.For(ModelFamily.Flux), args));
    }

    [Theory]
    [InlineData("0.1", true)]
    [InlineData("0", true)]
    [InlineData("1", false)]
    [InlineData("-0.2", false)]
    [InlineData("\"0.1\"", false)]
    public void ExtraArgErrors_AcceptsAValidationSplitOnlyBetweenZeroAndOne(string value, bool accepted)
    {
        var errors = SdScriptsPreflight.ExtraArgErrors(Args($$"""{"validation_split":{{value}},"validate_every_n_epochs":2,"validation_seed":7,"max_validation_steps":10}"""));

        if (accepted)
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Equal(["spec.training.extraArgs.validation_split must be a number from 0 up to (not including) 1: the share of images held out for validation"], errors);
        }
    }

    private static Dictionary<string, JsonElement> Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
}
