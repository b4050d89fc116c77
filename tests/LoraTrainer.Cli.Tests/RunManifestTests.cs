using LoraTrainer.Cli.Runs;
using LoraTrainer.Cluster;
using LoraTrainer.CommandLine;
using LoraTrainer.Testing;

namespace LoraTrainer.Cli.Tests;

/// <summary><c>kubectl lora train -f</c> reads a manifest as kubectl would apply it.</summary>
public sealed class RunManifestTests
{
    [Theory]
    [InlineData("trainingrun-sdxl.yaml")]
    [InlineData("trainingrun-sd15.yaml")]
    [InlineData("trainingrun-flux.yaml")]
    public void FromFile_ReadsEachSampleManifest_WithItsListsAndNumbers(string sample)
    {
        var path = RepositoryRoot.Combine("config", "samples", sample);
        var expected = Manifests.Load(path).Single();

        var run = RunManifest.FromFile(path, dryRun: false);

        Assert.Equal(expected["metadata"]!["name"]!.GetValue<string>(), run.Metadata.Name);
        Assert.Equal(expected["spec"]?["samples"]?["prompts"]?.AsArray().Count ?? 0, run.Spec.Samples?.Prompts.Count ?? 0);
        Assert.Equal((int?)expected["spec"]?["training"]?["maxTrainEpochs"]?.GetValue<long>(), run.Spec.Training?.MaxTrainEpochs);
    }

    [Fact]
    public void FromFile_WithTwoObjects_SaysToGiveOne()
    {
        using var folder = new TempFolder();
        var path = folder.Write("two.yaml", "kind: TrainingRun\nmetadata: {name: a}\n---\nkind: TrainingRun\nmetadata: {name: b}\n"u8.ToArray());

        var failure = Assert.Throws<StartupFailure>(() => RunManifest.FromFile(path, dryRun: false));

        Assert.Contains("2 objects", failure.Message);
    }
}
