using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Kubernetes.Validation;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class CustomResourceValidatorTests
{
    private static readonly JsonObject Crd = Manifests.Load(RepositoryRoot.Combine("config", "crds")).Single();

    [Fact]
    public async Task Validate_OfAnInvalidRun_GivesTheCausesTheFakeApiserverAnswers()
    {
        var run = Run("anna");
        run["spec"]!.AsObject().Remove("dataset");
        run["spec"]!["output"]!["keep"] = "some";
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var errors = CustomResourceValidator.FromCrd(Crd).Validate(run);
        var refusal = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(run, Group, RunVersion, "default", Plural, cancellationToken: Token));

        var causes = JsonNode.Parse(refusal.Response.Content)!["details"]!["causes"]!.AsArray()
            .Select(c => $"{c!["field"]!.GetValue<string>()}: {c["message"]!.GetValue<string>()}");
        Assert.Equal(
            [
                "<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
                "spec.dataset: Required value",
                "spec.output.keep: Unsupported value: \"some\": supported values: \"best\", \"all\"",
            ],
            errors.Order(StringComparer.Ordinal));
        Assert.Equal(errors.Order(StringComparer.Ordinal), causes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Validate_WithUnknownFields_NamesThemAndStopsThere()
    {
        var run = Run("anna");
        run["spec"]!["colour"] = "blue";
        run["spec"]!.AsObject().Remove("dataset");

        var errors = CustomResourceValidator.FromCrd(Crd).Validate(run);

        Assert.Equal(["unknown field \"spec.colour\""], errors);
    }

    [Fact]
    public void Validate_LeavesTheGivenObjectUntouched()
    {
        var run = Run("anna");
        run["spec"]!["colour"] = "blue";
        var before = run.ToJsonString();

        CustomResourceValidator.FromCrd(Crd).Validate(run);

        Assert.Equal(before, run.ToJsonString());
    }

    [Fact]
    public void FromCrd_OfACrdTheApiserverWouldRefuse_SaysWhy()
    {
        var crd = (JsonObject)Crd.DeepClone();
        crd["metadata"]!["name"] = "runs.loratrainer.io";

        var error = Assert.Throws<ArgumentException>(() => CustomResourceValidator.FromCrd(crd));

        Assert.Contains("must be spec.names.plural+\".\"+spec.group", error.Message);
    }
}
