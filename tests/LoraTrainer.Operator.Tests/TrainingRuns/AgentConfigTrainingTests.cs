using System.Text.Json;
using LoraTrainer.Api;
using LoraTrainer.Operator.TrainingRuns;
using LoraTrainer.Protocol;
using LoraTrainer.Testing.Builders;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>The training part of the agent's config: the family's script and the resolved hyperparameters, typed.</summary>
public sealed class AgentConfigTrainingTests
{
    [Fact]
    public void Build_SendsTheEpochsOnce_AsTheTrainersOwnArgument()
    {
        var run = new TrainingRunBuilder().WithSpec(s => s with { Training = new TrainingSpec { MaxTrainEpochs = 7 } }).Build();

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(Build(run, ModelFamily.Sdxl), ProtocolJson.Options));
        var training = json.RootElement.GetProperty("training");

        Assert.Equal(7, training.GetProperty("args").GetProperty("max_train_epochs").GetInt32());
        Assert.Equal(["args", "gpus", "script"], training.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(ModelFamily.Sd15, "train_network.py", "networks.lora")]
    [InlineData(ModelFamily.Sdxl, "sdxl_train_network.py", "networks.lora")]
    [InlineData(ModelFamily.Flux, "flux_train_network.py", "networks.lora_flux")]
    public void Build_TrainsEachFamilyWithItsScriptAndNetworkModule(ModelFamily family, string script, string module)
    {
        var plan = Build(new TrainingRunBuilder().Build(), family).Training;

        Assert.Equal((script, module), (plan.Script, plan.Args.NetworkModule));
    }

    [Fact]
    public void Build_CarriesTheResolvedHyperparametersTyped_AndTheRunsExtraArgsOverTheOperatorsSwitches()
    {
        var run = new TrainingRunBuilder().WithSpec(s => s with
        {
            Training = new TrainingSpec
            {
                NetworkDim = 64,
                LearningRate = 2e-4,
                ExtraArgs = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>("""{"noise_offset":0.05,"gradient_checkpointing":false,"network_train_unet_only":false}"""),
            },
        }).Build();

        var args = Build(run, ModelFamily.Flux).Training.Args;

        Assert.Equal((64, 2e-4, 2e-4, "bf16"), (args.NetworkDim, args.LearningRate, args.UnetLr, args.MixedPrecision));
        Assert.False(args.NetworkTrainUnetOnly);
        Assert.True(args.CacheTextEncoderOutputs);
        Assert.Equal("0.05", args.Others["noise_offset"]?.ToString());
        Assert.Equal("False", args.Others["gradient_checkpointing"]?.ToString());
        Assert.DoesNotContain("network_train_unet_only", args.Others.Keys);
    }

    private static AgentConfig Build(TrainingRun run, ModelFamily family) =>
        AgentConfigBuilder.Build(run, 1, TrainingDefaults.Resolve(family, run.Spec.Training, run.Spec.Dataset), new ModelSource(), new DatasetSource(), new OutputTargets());
}
