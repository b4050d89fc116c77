using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using LoraTrainer.Api.Schema;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Api.Tests;

/// <summary>Samples pass the apiserver's checks against the CRD (schema and CEL rules); typical mistakes are refused with a readable error.</summary>
public sealed class SampleValidationTests
{
    private static readonly CustomResourceValidator Validator =
        CustomResourceValidator.FromCrd(Manifests.Load(RepositoryRoot.Combine(CrdGenerator.RelativePath)).Single());

    public static TheoryData<string> Samples() =>
        new(Directory.GetFiles(RepositoryRoot.Combine("config", "samples"), "*.yaml").Select(Path.GetFileName).OfType<string>().Order());

    [Fact]
    public void Samples_IncludeEveryFamilyAndAMinimalManifest()
    {
        var names = Directory.GetFiles(RepositoryRoot.Combine("config", "samples"), "*.yaml").Select(Path.GetFileName).ToList();

        Assert.Contains("trainingrun-sd15.yaml", names);
        Assert.Contains("trainingrun-sdxl.yaml", names);
        Assert.Contains("trainingrun-flux.yaml", names);
        Assert.Contains("trainingrun-minimal.yaml", names);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_IsAcceptedAgainstTheCrdSchemaAndRules(string file)
    {
        var samples = Manifests.Load(RepositoryRoot.Combine("config", "samples", file));

        Assert.NotEmpty(samples);
        Assert.All(samples, sample => Assert.Empty(Validator.Validate(sample)));
    }

    [Theory]
    [InlineData("no dataset", "spec.dataset: Required value")]
    [InlineData("negative epochs", "spec.training.maxTrainEpochs: Invalid value: -3: spec.training.maxTrainEpochs in body should be greater than or equal to 1")]
    [InlineData("unknown family", "spec.baseModel.family: Unsupported value: \"sd3\": supported values: \"sd15\", \"sdxl\", \"flux\"")]
    [InlineData("zero price", "spec.gpu.maxPricePerHour: Invalid value: 0: spec.gpu.maxPricePerHour in body should be greater than or equal to 0.001")]
    [InlineData("negative price", "spec.gpu.maxPricePerHour: Invalid value: -0.5: spec.gpu.maxPricePerHour in body should be greater than or equal to 0.001")]
    [InlineData("both civitai and url", "spec.baseModel: Invalid value: \"object\": spec.baseModel in body must validate one and only one schema (oneOf). Found 2 valid alternatives")]
    [InlineData("both civitai and url", "spec.baseModel: Invalid value: \"object\": exactly one of civitai or url must be set")]
    [InlineData("url without family", "spec.baseModel: Invalid value: \"object\": family is required when the model comes from a url")]
    [InlineData("flux files with family sdxl", "spec.baseModel: Invalid value: \"object\": flux files are only for family flux")]
    [InlineData("neither civitai nor url", "spec.baseModel: Invalid value: \"object\": spec.baseModel in body must validate one and only one schema (oneOf). Found none valid")]
    [InlineData("unknown field", "unknown field \"spec.training.epochs\"")]
    [InlineData("bad duration", "spec.runPolicy.deadlines.pendingGpu: Invalid value: \"twenty minutes\": spec.runPolicy.deadlines.pendingGpu in body should match")]
    [InlineData("bad name", "metadata.name: Invalid value: \"Anna_Run\": a lowercase RFC 1123 subdomain")]
    [InlineData("nine sample prompts", "spec.samples.prompts: Too many: 9: must have at most 8 items")]
    [InlineData("no sample prompts", "spec.samples.prompts: Invalid value: []: spec.samples.prompts in body should have at least 1 items")]
    [InlineData("sample width not a multiple of 64", "spec.samples.prompts[0]: Invalid value: \"object\": width must be a multiple of 64")]
    [InlineData("sample too large", "spec.samples.prompts[0].height: Invalid value: 4096: spec.samples.prompts[0].height in body should be less than or equal to")]
    [InlineData("sample prompt with an option", "spec.samples.prompts[0]: Invalid value: \"object\": prompt must not contain ' --'")]
    [InlineData("sample every 0 epochs", "spec.samples.everyNEpochs: Invalid value: 0: spec.samples.everyNEpochs in body should be greater than or equal to 1")]
    [InlineData("unknown sampler", "spec.samples.sampler: Unsupported value: \"dpm++2m\"")]
    [InlineData("selected epoch 0", "spec.output.selectedEpoch: Invalid value: 0: spec.output.selectedEpoch in body should be greater than or equal to 1")]
    public void Mistake_IsRefusedWithAnErrorNamingTheField(string mistake, string expected)
    {
        var run = Mistake(mistake);

        var errors = Validator.Validate(run);

        Assert.True(errors.Any(e => e.StartsWith(expected, StringComparison.Ordinal)), $"{mistake}: expected an error starting with\n  {expected}\ngot\n  {string.Join("\n  ", errors)}");
    }

    [Fact]
    public void Validate_OfAnotherKind_SaysTheCrdDoesNotServeIt()
    {
        var run = Minimal();
        run["apiVersion"] = "loratrainer.io/v1";

        Assert.Equal(["no matches for kind \"TrainingRun\" in version \"loratrainer.io/v1\""], Validator.Validate(run));
    }

    private static JsonObject Mistake(string mistake)
    {
        var run = Minimal();
        var spec = run["spec"]!.AsObject();
        switch (mistake)
        {
            case "no dataset": spec.Remove("dataset"); break;
            case "negative epochs": spec["training"] = new JsonObject { ["maxTrainEpochs"] = -3 }; break;
            case "unknown family": spec["baseModel"]!["family"] = "sd3"; break;
            case "zero price": spec["gpu"] = new JsonObject { ["maxPricePerHour"] = 0 }; break;
            case "negative price": spec["gpu"] = new JsonObject { ["maxPricePerHour"] = -0.5 }; break;
            case "both civitai and url":
                spec["baseModel"]!["url"] = new JsonObject { ["url"] = "https://example.com/m.safetensors", ["sha256"] = new string('a', 64) };
                break;
            case "url without family": spec["baseModel"] = new JsonObject { ["url"] = UrlFile() }; break;
            case "flux files with family sdxl":
                spec["baseModel"]!["family"] = "sdxl";
                spec["baseModel"]!["flux"] = new JsonObject { ["clipL"] = UrlFile(), ["t5xxl"] = UrlFile(), ["ae"] = UrlFile() };
                break;
            case "neither civitai nor url": spec["baseModel"]!.AsObject().Remove("civitai"); break;
            case "unknown field": spec["training"] = new JsonObject { ["epochs"] = 10 }; break;
            case "bad duration": spec["runPolicy"] = new JsonObject { ["deadlines"] = new JsonObject { ["pendingGpu"] = "twenty minutes" } }; break;
            case "bad name": run["metadata"]!["name"] = "Anna_Run"; break;
            case "nine sample prompts": spec["samples"] = Samples([.. Enumerable.Range(0, 9).Select(_ => new JsonObject())]); break;
            case "no sample prompts": spec["samples"] = Samples([]); break;
            case "sample width not a multiple of 64": spec["samples"] = Samples([new JsonObject { ["width"] = 1000 }]); break;
            case "sample too large": spec["samples"] = Samples([new JsonObject { ["height"] = 4096 }]); break;
            case "sample prompt with an option": spec["samples"] = Samples([new JsonObject { ["prompt"] = "ohwx woman --w 4096" }]); break;
            case "sample every 0 epochs": spec["samples"] = new JsonObject { ["prompts"] = new JsonArray(new JsonObject()), ["everyNEpochs"] = 0 }; break;
            case "unknown sampler": spec["samples"] = new JsonObject { ["prompts"] = new JsonArray(new JsonObject()), ["sampler"] = "dpm++2m" }; break;
            case "selected epoch 0": spec["output"]!["selectedEpoch"] = 0; break;
            default: throw new ArgumentOutOfRangeException(nameof(mistake), mistake, "no such mistake");
        }

        return run;
    }

    private static JsonObject Samples(JsonObject[] prompts) => new() { ["prompts"] = new JsonArray([.. prompts]) };

    private static JsonObject UrlFile() => new() { ["url"] = "https://example.com/m.safetensors", ["sha256"] = new string('a', 64) };

    private static JsonObject Minimal() =>
        Manifests.Load(RepositoryRoot.Combine("config", "samples", "trainingrun-minimal.yaml")).Single();
}
