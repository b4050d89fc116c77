using LoraTrainer.Cluster;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class ValidationTests
{
    /// <summary>A missing field is one of the errors that stop CEL rules from running, and the apiserver says so.</summary>
    [Fact]
    public async Task Create_OfRunMissingARequiredField_IsRefusedLikeTheApiserver()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = Run("anna");
        run["spec"]!.AsObject().Remove("dataset");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        var status = JsonNode.Parse(error.Response.Content)!;
        Assert.Equal("TrainingRun.loratrainer.io \"anna\" is invalid: [spec.dataset: Required value, <nil>: Invalid value: \"null\": " +
            "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]", status["message"]!.GetValue<string>());
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        var cause = status["details"]!["causes"]![0]!;
        Assert.Equal("FieldValueRequired", cause["reason"]!.GetValue<string>());
        Assert.Equal("spec.dataset", cause["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_WithSeveralSchemaViolations_ReportsEachWithTheApiserversWording()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = Run("anna");
        run["spec"]!["dataset"]!["repeats"] = 0;
        run["spec"]!["dataset"]!["triggerWord"] = 7;
        run["spec"]!["output"]!["keep"] = "some";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        var message = JsonNode.Parse(error.Response.Content)!["message"]!.GetValue<string>();
        Assert.StartsWith("TrainingRun.loratrainer.io \"anna\" is invalid: [", message);
        Assert.Contains("spec.dataset.repeats: Invalid value: 0: spec.dataset.repeats in body should be greater than or equal to 1", message);
        Assert.Contains("spec.dataset.triggerWord: Invalid value: \"integer\": spec.dataset.triggerWord in body must be of type string: \"integer\"", message);
        Assert.Contains("spec.output.keep: Unsupported value: \"some\": supported values: \"best\", \"all\"", message);
    }

    [Fact]
    public async Task Create_WithUnknownField_IsRefusedWhenStrict_AndPrunedOtherwise()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var strict = Run("strict");
        strict["spec"]!["colour"] = "blue";
        var lenient = Run("lenient");
        lenient["spec"]!["colour"] = "blue";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.CreateNamespacedCustomObjectAsync(strict, Group, RunVersion, "default", Plural, fieldValidation: "Strict", cancellationToken: Token));
        var created = ToJson(await CreateAsync(client, lenient));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
        Assert.Contains("strict decoding error: unknown field \\\"spec.colour\\\"", error.Response.Content);
        Assert.Null(created["spec"]!["colour"]);
    }

    [Fact]
    public async Task Create_WithInvalidName_IsRefused()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, Run("Anna_Run")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("metadata.name: Invalid value: \\\"Anna_Run\\\": a lowercase RFC 1123 subdomain", error.Response.Content);
    }

    [Fact]
    public async Task StatusUpdate_IsValidatedAgainstTheStatusSchema()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            Patch.Merge("""{"status":{"phase":"exploded"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("status.phase: Unsupported value: \\\"exploded\\\"", error.Response.Content);
    }

    [Fact]
    public async Task Crd_WithNameNotMatchingItsNames_IsRefused()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        var crd = Manifests.Load(RepositoryRoot.Combine("config", "crds")).Single();
        crd["metadata"]!["name"] = "runs.loratrainer.io";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
            KubernetesJson.Deserialize<k8s.Models.V1CustomResourceDefinition>(crd.ToJsonString()), cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("must be spec.names.plural+\\\".\\\"+spec.group", error.Response.Content);
    }

    [Theory]
    [InlineData("merge")]
    [InlineData("replace")]
    public async Task Update_ThatSetsAnInvalidLabelValue_IsRefusedLikeACreate(string how)
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var created = await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => how == "merge"
            ? client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"metadata":{"labels":{"team":"ml team!"}}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token)
            : client.CustomObjects.ReplaceNamespacedCustomObjectAsync(WithLabel(created, "ml team!"), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("metadata.labels: Invalid value: \\\"ml team!\\\": a valid label must be an empty string", error.Response.Content);
        Assert.Equal(ResourceVersion(created), ResourceVersion(await GetRunAsync(client, "anna")));
    }

    [Fact]
    public async Task Write_WithALabelValueThatIsNotAString_IsRefusedAsUndecodable()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "settings" } }, "default", cancellationToken: Token);
        var run = Run("anna");
        run["metadata"]!["labels"] = new JsonObject { ["replicas"] = 3 };

        var create = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));
        var patch = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            Patch.Merge("""{"metadata":{"labels":{"enabled":true}}}"""), "settings", "default", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.BadRequest, create.Response.StatusCode);
        Assert.Contains("TrainingRun in version \\\"v1alpha1\\\" cannot be handled as a TrainingRun: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string", create.Response.Content);
        Assert.Equal(HttpStatusCode.BadRequest, patch.Response.StatusCode);
        Assert.Contains("cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels of type string", patch.Response.Content);
        Assert.Null((await client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default", cancellationToken: Token)).Metadata.Labels);
    }

    private static JsonObject WithLabel(JsonObject run, string value)
    {
        var copy = (JsonObject)run.DeepClone();
        copy["metadata"]!["labels"] = new JsonObject { ["team"] = value };
        return copy;
    }

    private static Task<object> CreateAsync(IKubernetes client, JsonObject run) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync(run, Group, RunVersion, "default", Plural, cancellationToken: Token);
}
