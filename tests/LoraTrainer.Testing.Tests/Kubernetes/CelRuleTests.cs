using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

/// <summary>The CRD's <c>x-kubernetes-validations</c> rules are enforced on every write, in the apiserver's words.</summary>
public sealed class CelRuleTests
{
    private const string UrlModel = """{"url":"https://example.com/model.safetensors","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""";

    [Fact]
    public async Task Create_OfRunWithBothCivitaiAndUrl_IsRefusedWithTheRulesMessage()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = Run("anna");
        run["spec"]!["baseModel"]!["url"] = JsonNode.Parse(UrlModel);
        run["spec"]!["baseModel"]!["family"] = "sdxl";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        var causes = Causes(error);
        Assert.Contains("spec.baseModel: Invalid value: \"object\": exactly one of civitai or url must be set", causes);
        Assert.Contains(causes, c => c.Contains("must validate one and only one schema (oneOf)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_OfUrlModelWithoutFamily_IsRefusedWithExactlyTheRulesMessage()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = Run("anna");
        run["spec"]!["baseModel"] = new JsonObject { ["url"] = JsonNode.Parse(UrlModel) };

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        var status = JsonNode.Parse(error.Response.Content)!;
        Assert.Equal("TrainingRun.loratrainer.io \"anna\" is invalid: spec.baseModel: Invalid value: \"object\": family is required when the model comes from a url",
            status["message"]!.GetValue<string>());
        Assert.Equal("FieldValueInvalid", status["details"]!["causes"]![0]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Patch_ThatGivesAnSdxlRunFluxFiles_IsRefusedAndChangesNothing()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var created = await CreateRunAsync(client, "anna");
        var flux = new JsonObject { ["clipL"] = JsonNode.Parse(UrlModel), ["t5xxl"] = JsonNode.Parse(UrlModel), ["ae"] = JsonNode.Parse(UrlModel) };
        var patch = new JsonObject { ["spec"] = new JsonObject { ["baseModel"] = new JsonObject { ["family"] = "sdxl", ["flux"] = flux } } }.ToJsonString();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Merge(patch), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(["spec.baseModel: Invalid value: \"object\": flux files are only for family flux"], Causes(error));
        Assert.Equal(ResourceVersion(created), ResourceVersion(await GetRunAsync(client, "anna")));
    }

    [Fact]
    public async Task Create_WithATypeError_SkipsTheRulesAndSaysSo()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = Run("anna");
        run["spec"]!["baseModel"]!["url"] = JsonNode.Parse(UrlModel);
        run["spec"]!["baseModel"]!["family"] = 15;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        var causes = Causes(error);
        Assert.Contains("<nil>: Invalid value: \"null\": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation", causes);
        Assert.DoesNotContain(causes, c => c.Contains("exactly one of civitai or url", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatusUpdate_WithATimeThatIsNotDateTime_IsRefusedAsTheWrongType()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            Patch.Merge("""{"status":{"startTime":"yesterday"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            Patch.Merge("""{"status":{"startTime":"2025-06-01T12:30:00.25+02:00"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("status.startTime: Invalid value: \"yesterday\": status.startTime in body must be of type date-time: \"yesterday\"", Causes(error));
        Assert.Equal("2025-06-01T12:30:00.25+02:00", (await GetRunAsync(client, "anna"))["status"]!["startTime"]!.GetValue<string>());
    }

    private static Task<object> CreateAsync(IKubernetes client, JsonObject run) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync(run, Group, RunVersion, "default", Plural, cancellationToken: Token);

    private static IReadOnlyList<string> Causes(HttpOperationException error) =>
        [.. JsonNode.Parse(error.Response.Content)!["details"]!["causes"]!.AsArray()
            .Select(c => $"{c!["field"]!.GetValue<string>()}: {c["message"]!.GetValue<string>()}")];
}
