using System.Text.Json.Nodes;
using LoraTrainer.CrdGen;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Schema;
using LoraTrainer.Testing.Yaml;

namespace LoraTrainer.Api.Tests;

/// <summary>Samples validate against the CRD schema; typical mistakes are refused with a readable error.</summary>
public sealed class SampleValidationTests
{
    private static readonly CrdSchemaValidator Validator =
        CrdSchemaValidator.FromCrd(YamlToJson.Single(File.ReadAllText(RepositoryRoot.Combine(CrdGenerator.RelativePath))));

    public static TheoryData<string> Samples() =>
        new(Directory.GetFiles(RepositoryRoot.Combine("config", "samples"), "*.yaml").Select(Path.GetFileName).OfType<string>().Order());

    [Fact]
    public void Samples_IncludeSd15SdxlAndAMinimalManifest()
    {
        var names = Directory.GetFiles(RepositoryRoot.Combine("config", "samples"), "*.yaml").Select(Path.GetFileName).ToList();

        Assert.Contains("trainingrun-sd15.yaml", names);
        Assert.Contains("trainingrun-sdxl.yaml", names);
        Assert.Contains("trainingrun-minimal.yaml", names);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_IsValidAgainstTheCrdSchema(string file)
    {
        var sample = YamlToJson.Single(File.ReadAllText(RepositoryRoot.Combine("config", "samples", file)));

        Assert.Empty(Validator.Validate(sample));
    }

    [Theory]
    [InlineData("no dataset", "spec", "dataset")]
    [InlineData("negative epochs", "spec.training.maxTrainEpochs", "at least 1")]
    [InlineData("unknown family", "spec.baseModel.family", "enum")]
    [InlineData("zero price", "spec.gpu.maxPricePerHour", "at least 0.001")]
    [InlineData("both civitai and url", "spec.baseModel", "exactly one of civitai or url must be set")]
    [InlineData("unknown field", "spec.training", "unknown field \"epochs\"")]
    [InlineData("bad duration", "spec.runPolicy.deadlines.pendingGpu", "regular expression")]
    public void Mistake_IsRefusedWithAnErrorNamingTheField(string mistake, string field, string hint)
    {
        var run = Minimal();
        switch (mistake)
        {
            case "no dataset": run["spec"]!.AsObject().Remove("dataset"); break;
            case "negative epochs": run["spec"]!["training"] = new JsonObject { ["maxTrainEpochs"] = -3 }; break;
            case "unknown family": run["spec"]!["baseModel"]!["family"] = "sd3"; break;
            case "zero price": run["spec"]!["gpu"] = new JsonObject { ["maxPricePerHour"] = 0 }; break;
            case "both civitai and url":
                run["spec"]!["baseModel"]!["url"] = new JsonObject { ["url"] = "https://example.com/m.safetensors", ["sha256"] = new string('a', 64) };
                break;
            case "unknown field": run["spec"]!["training"] = new JsonObject { ["epochs"] = 10 }; break;
            case "bad duration": run["spec"]!["runPolicy"] = new JsonObject { ["deadlines"] = new JsonObject { ["pendingGpu"] = "twenty minutes" } }; break;
        }

        var errors = Validator.Validate(run);

        Assert.True(errors.Count > 0, "no error for " + mistake);
        Assert.True(errors.Any(e => e.StartsWith(field + ":", StringComparison.Ordinal) && e.Contains(hint, StringComparison.Ordinal)), string.Join("\n", errors));
    }

    private static JsonNode Minimal() =>
        YamlToJson.Single(File.ReadAllText(RepositoryRoot.Combine("config", "samples", "trainingrun-minimal.yaml")));
}
