using LoraTrainer.Agent.Training;

namespace LoraTrainer.Agent.Tests.Training;

public sealed class TrainerCommandTests
{
    private static readonly Dictionary<string, string> Values = new()
    {
        ["sdScripts"] = "/opt/sd-scripts",
        ["script"] = "sdxl_train_network.py",
        ["scriptPath"] = "/opt/sd-scripts/sdxl_train_network.py",
        ["configFile"] = "/work dir/args.toml",
        ["datasetConfig"] = "/work dir/dataset.toml",
        ["mixedPrecision"] = "bf16",
        ["workDir"] = "/work dir",
    };

    [Fact]
    public void Expand_TheDefault_LaunchesTheScriptUnderAccelerateWithBothTomlFiles()
    {
        var argv = TrainerCommand.Expand(TrainerCommand.DefaultTemplate, WithGpus(1));

        Assert.Equal(
            ["accelerate", "launch", "--num_processes", "1", "--num_machines", "1", "--mixed_precision", "bf16", "--dynamo_backend", "no",
             "--num_cpu_threads_per_process", "1", "/opt/sd-scripts/sdxl_train_network.py", "--config_file", "/work dir/args.toml",
             "--dataset_config", "/work dir/dataset.toml"],
            argv);
    }

    [Fact]
    public void Expand_TheDefault_WithSeveralGpus_LaunchesOneProcessPerGpu()
    {
        var argv = TrainerCommand.Expand(TrainerCommand.DefaultTemplate, WithGpus(4));

        Assert.Equal(["accelerate", "launch", "--multi_gpu", "--num_processes", "4", "--num_machines", "1"], argv.Take(7));
    }

    [Fact]
    public void Expand_AWordThatIsOnlyAnEmptyPlaceholder_LeavesNoEmptyArgument_ButAQuotedEmptyWordStays()
    {
        var argv = TrainerCommand.Expand("run {multiGpu} x{multiGpu} \"\" {configFile}", WithGpus(1));

        Assert.Equal(["run", "x", "", "/work dir/args.toml"], argv);
    }

    [Fact]
    public void Expand_KeepsQuotedWordsTogether()
    {
        var argv = TrainerCommand.Expand("python3 \"/my tools/fake.py\" --x \"a \\\"b\\\"\" {configFile}", Values);

        Assert.Equal(["python3", "/my tools/fake.py", "--x", "a \"b\"", "/work dir/args.toml"], argv);
    }

    [Theory]
    [InlineData("accelerate launch {scrpt}", "unknown placeholder {scrpt}")]
    [InlineData("python3 \"unclosed", "unclosed double quote")]
    [InlineData("   ", "empty")]
    public void Expand_RefusesABadTemplate(string template, string message)
    {
        var error = Assert.Throws<FormatException>(() => TrainerCommand.Expand(template, Values));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> WithGpus(int gpus) => new(Values.Concat(TrainerCommand.GpuValues(gpus)));
}
