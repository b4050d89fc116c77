namespace LoraTrainer.Api.Tests;

/// <summary>A sample prompt's unset values come from the family; a prompt without text draws the trigger word.</summary>
public sealed class SampleDefaultsTests
{
    private static readonly DatasetSpec Dataset = new() { TriggerWord = "ohwx", ClassTokens = "woman" };

    [Theory]
    [InlineData(ModelFamily.Sd15, 512, 28, 7.0)]
    [InlineData(ModelFamily.Sdxl, 1024, 28, 7.0)]
    [InlineData(ModelFamily.Flux, 1024, 20, 1.0)]
    public void Resolve_WithAnEmptyPrompt_TakesTheFamilysSizeStepsAndScale_AndDrawsTheTriggerWord(ModelFamily family, int size, int steps, double scale)
    {
        var training = TrainingDefaults.Resolve(family, new TrainingSpec { Seed = 100 }, Dataset);

        var samples = SampleDefaults.Resolve(family, new SamplesSpec { Prompts = [new(), new() { Prompt = "a castle" }] }, training, Dataset)!;

        Assert.Equal(new ResolvedSamplePrompt("ohwx woman", null, 100, size, size, steps, scale), samples.Prompts[0]);
        Assert.Equal(101, samples.Prompts[1].Seed);
        Assert.Equal("a castle", samples.Prompts[1].Prompt);
        Assert.Equal((1, false, "euler_a"), (samples.EveryNEpochs, samples.AtFirst, samples.Sampler));
    }

    [Fact]
    public void Resolve_KeepsEveryValueTheUserGave()
    {
        var training = TrainingDefaults.Resolve(ModelFamily.Sdxl, null, Dataset);
        var spec = new SamplesSpec
        {
            Prompts = [new() { Prompt = "p", NegativePrompt = "n", Seed = 7, Width = 832, Height = 1216, Steps = 40, CfgScale = 4.5 }],
            EveryNEpochs = 2,
            AtFirst = true,
            Sampler = SampleSampler.DpmSolverPlusPlus,
        };

        var samples = SampleDefaults.Resolve(ModelFamily.Sdxl, spec, training, Dataset)!;

        Assert.Equal(new ResolvedSamplePrompt("p", "n", 7, 832, 1216, 40, 4.5), Assert.Single(samples.Prompts));
        Assert.Equal((2, true, "dpmsolver++"), (samples.EveryNEpochs, samples.AtFirst, samples.Sampler));
    }

    [Fact]
    public void SizeErrors_ForAnSd15SampleLargerThan1024_NameThePromptAndTheFamilysSizes()
    {
        var training = TrainingDefaults.Resolve(ModelFamily.Sd15, null, Dataset);
        var samples = SampleDefaults.Resolve(ModelFamily.Sd15, new SamplesSpec { Prompts = [new(), new() { Width = 1536 }] }, training, Dataset);

        var error = Assert.Single(SampleDefaults.SizeErrors(ModelFamily.Sd15, samples));

        Assert.Equal("spec.samples.prompts[1]: 1536x512 is outside what sd15 renders (256 to 1024 pixels a side)", error);
    }
}
