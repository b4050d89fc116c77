using System.Text.Json;
using LoraTrainer.Agent.Training;
using LoraTrainer.Protocol;
using LoraTrainer.Protocol.SdScripts;
using Tomlyn;
using Tomlyn.Model;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class TrainingArgumentsTests
{
    private static readonly AgentOwnedPaths Owned = new("/w/models/base.safetensors", "/w/output", "anna", "/w/logs", "/w/dataset.toml", new Dictionary<string, string>());
    private static readonly Dictionary<string, string> FluxFiles = new() { ["clip_l"] = "/w/models/clip_l.safetensors", ["t5xxl"] = "/w/models/t5xxl.safetensors", ["ae"] = "/w/models/ae.safetensors" };

    // Arguments as they arrive on the wire: JSON values, with the epochs among them unless the JSON names them.
    private static TrainingPlan Plan(string argsJson, int? epochs = 3, string script = "sdxl_train_network.py")
    {
        var args = JsonSerializer.Deserialize<TrainingArgs>(argsJson, ProtocolJson.Options)!;
        return new() { Script = script, Args = args with { MaxTrainEpochs = args.MaxTrainEpochs ?? epochs } };
    }

    [Fact]
    public void Build_WritesRealTomlTypesAndTheAgentsOwnPaths()
    {
        var plan = Plan("""{"network_module":"networks.lora","network_dim":32,"network_alpha":16.0,"learning_rate":0.0001,"gradient_checkpointing":true,"network_args":["conv_dim=4","conv_alpha=1"],"mixed_precision":"bf16","seed":null}""");

        var arguments = TrainingArguments.Build(plan, Owned);
        var toml = TomlSerializer.Deserialize<TomlTable>(arguments.ToToml())!;

        Assert.Equal(32L, toml["network_dim"]);
        Assert.Equal(16.0, toml["network_alpha"]);
        Assert.Equal(0.0001, toml["learning_rate"]);
        Assert.Equal(true, toml["gradient_checkpointing"]);
        Assert.Equal(["conv_dim=4", "conv_alpha=1"], ((TomlArray)toml["network_args"]!).Cast<string>());
        Assert.False(toml.ContainsKey("seed"));
        Assert.Equal("/w/models/base.safetensors", toml["pretrained_model_name_or_path"]);
        Assert.Equal("/w/output", toml["output_dir"]);
        Assert.Equal("anna", toml["output_name"]);
        Assert.Equal(1L, toml["save_every_n_epochs"]);
        Assert.Equal("safetensors", toml["save_model_as"]);
        Assert.Equal("/w/logs", toml["logging_dir"]);
        Assert.Equal("tensorboard", toml["log_with"]);
        Assert.Equal("/w/dataset.toml", toml["dataset_config"]);
        Assert.Equal(3L, toml["max_train_epochs"]);
        Assert.Equal("bf16", arguments.MixedPrecision);
        Assert.Equal(3, arguments.Epochs);
    }

    [Fact]
    public void Build_RefusesAnArgumentTheNamedScriptDoesNotKnow()
    {
        var plan = Plan("""{"network_dim":32,"learning_rat":0.0001,"netwrok_alpha":16}""");

        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(plan, Owned));

        Assert.Contains("learning_rat, netwrok_alpha", error.Message, StringComparison.Ordinal);
        Assert.Contains("sd-scripts v0.10.1", error.Message, StringComparison.Ordinal);
        Assert.Contains("silently ignore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RefusesFluxOnlyArgumentsForAnSdxlScript()
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan("""{"guidance_scale":1.0}"""), Owned));

        Assert.Contains("guidance_scale", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_AcceptsFluxArgumentsAndExtraFilesForTheFluxScript()
    {
        var owned = Owned with { ExtraFiles = new Dictionary<string, string> { ["clip_l"] = "/w/models/clip_l.safetensors", ["t5xxl"] = "/w/models/t5.safetensors", ["ae"] = "/w/models/ae.safetensors" } };
        var plan = Plan("""{"network_module":"networks.lora_flux","guidance_scale":1.0,"timestep_sampling":"flux_shift","model_prediction_type":"raw","network_train_unet_only":true,"fp8_base":true}""", script: "flux_train_network.py");

        var toml = TrainingArguments.Build(plan, owned).Table;

        Assert.Equal("/w/models/ae.safetensors", toml["ae"]);
        Assert.Equal("flux_shift", toml["timestep_sampling"]);
    }

    [Fact]
    public void Build_RefusesAScriptTheAgentDoesNotDrive()
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan("{}", script: "train_db.py"), Owned));

        Assert.Contains("flux_train_network.py, sdxl_train_network.py, train_network.py", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("save_last_n_epochs", "3")]
    [InlineData("train_data_dir", "\"/data\"")]
    [InlineData("save_every_n_steps", "100")]
    public void Build_RefusesArgumentsThatWouldBreakTheBestEpochChoice(string name, string value)
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan($$"""{"{{name}}":{{value}}}"""), Owned));

        Assert.Contains($"training.args.{name} is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RefusesAConfigThatOverridesAnAgentOwnedPath()
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan("""{"output_dir":"/elsewhere"}"""), Owned));

        Assert.Contains("training.args.output_dir is set by the agent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_AcceptsAnAgentOwnedValueThatAgrees()
    {
        var toml = TrainingArguments.Build(Plan("""{"save_every_n_epochs":1,"save_model_as":"safetensors"}"""), Owned).Table;

        Assert.Equal(1L, toml["save_every_n_epochs"]);
    }

    [Fact]
    public void Build_ForSdxl_RefusesTextEncoderCachingWithoutUnetOnlyTraining()
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan("""{"cache_text_encoder_outputs":true}"""), Owned));

        Assert.Contains("network_train_unet_only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ForFlux_AcceptsTextEncoderCachingWhileClipLTrains()
    {
        var plan = Plan("""{"cache_text_encoder_outputs":true,"network_train_unet_only":false}""", script: "flux_train_network.py");

        var toml = TrainingArguments.Build(plan, Owned with { ExtraFiles = FluxFiles }).Table;

        Assert.Equal(true, toml["cache_text_encoder_outputs"]);
    }

    [Fact]
    public void Build_ForFlux_RefusesTextEncoderCachingWhenT5xxlTrains()
    {
        var plan = Plan("""{"cache_text_encoder_outputs":true,"network_train_unet_only":true,"network_args":["train_t5xxl=True"]}""", script: "flux_train_network.py");

        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(plan, Owned with { ExtraFiles = FluxFiles }));

        Assert.Contains("training.args.cache_text_encoder_outputs cannot be used while network_args trains T5XXL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RefusesXformers_SayingToUseSdpa()
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan("""{"xformers":true}"""), Owned));

        Assert.Contains("training.args.xformers is not allowed: the GPU image does not install xformers; use sdpa", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WithoutAnyEpochCount_AsksForOne()
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan("{}", epochs: null), Owned));

        Assert.Contains("training.args.max_train_epochs to a positive number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_RefusesAnObjectValue()
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan("""{"optimizer_args":{"a":1}}"""), Owned));

        Assert.Contains("training.args.optimizer_args cannot be written to TOML", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("train_network.py", "network_dim", true)]
    [InlineData("train_network.py", "cache_text_encoder_outputs", false)]
    [InlineData("sdxl_train_network.py", "cache_text_encoder_outputs", true)]
    [InlineData("flux_train_network.py", "t5xxl", true)]
    [InlineData("sdxl_train_network.py", "t5xxl", false)]
    public void SdScriptsArguments_KnowsEachScriptsOwnNames(string script, string name, bool known)
    {
        Assert.Equal(known, SdScriptsArguments.For(script)!.Contains(name));
    }

    [Theory]
    [InlineData("0.2", true, 0.2)]
    [InlineData("0", false, 0.0)]
    public void Build_WritesTheValidationSplitAsAFloatAndSaysWhetherTheRunValidates(string split, bool validates, double written)
    {
        var plan = Plan($$"""{"validation_split":{{split}},"validate_every_n_epochs":1,"validation_seed":7}""");

        var arguments = TrainingArguments.Build(plan, Owned);
        var toml = TomlSerializer.Deserialize<TomlTable>(arguments.ToToml())!;

        Assert.Equal(validates, arguments.Validates);
        Assert.Equal(written, Assert.IsType<double>(toml["validation_split"]));
        Assert.Equal(1L, toml["validate_every_n_epochs"]);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1.5")]
    public void Build_RefusesAValidationSplitOutsideZeroToOne(string split)
    {
        var error = Assert.Throws<ArgumentsRejectedException>(() => TrainingArguments.Build(Plan($$"""{"validation_split":{{split}}}"""), Owned));

        Assert.Contains("validation_split must be a number from 0 up to (not including) 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WritesATypedRateOrAlphaAsATomlFloat_EvenWhenTheWireCarriesAWholeNumber()
    {
        var toml = TomlSerializer.Deserialize<TomlTable>(TrainingArguments.Build(Plan("""{"network_alpha":16,"learning_rate":1}"""), Owned).ToToml())!;

        Assert.Equal(16.0, Assert.IsType<double>(toml["network_alpha"]));
        Assert.Equal(1.0, Assert.IsType<double>(toml["learning_rate"]));
    }

    [Fact]
    public void Build_FromAnOlderOperatorsPlan_WithTheEpochsAlsoOutsideTheArguments_TrainsThoseEpochs()
    {
        var plan = JsonSerializer.Deserialize<TrainingPlan>(
            """{"script":"sdxl_train_network.py","epochs":5,"args":{"network_module":"networks.lora","max_train_epochs":5,"sdpa":true}}""", ProtocolJson.Options)!;

        var arguments = TrainingArguments.Build(plan, Owned);

        Assert.Equal(5, arguments.Epochs);
        Assert.Equal(5L, arguments.Table["max_train_epochs"]);
        Assert.Equal(true, arguments.Table["sdpa"]);
    }

    [Fact]
    public void Build_WithoutAValidationSplit_DoesNotValidate()
    {
        Assert.False(TrainingArguments.Build(Plan("""{"network_dim":32}"""), Owned).Validates);
    }
}
