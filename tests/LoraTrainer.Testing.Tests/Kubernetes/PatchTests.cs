using System.Net;
using k8s;
using LoraTrainer.Testing.Kubernetes;
using k8s.Autorest;
using k8s.Models;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class PatchTests
{
    [Fact]
    public async Task MergePatch_MergesMapsAndNullRemovesAField()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna", labels: new Dictionary<string, string> { ["keep"] = "1", ["drop"] = "2" });

        var patched = ToJson(await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Merge("""{"metadata":{"labels":{"drop":null,"add":"3"}},"spec":{"dataset":{"classTokens":"person"}}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal("""{"add":"3","keep":"1"}""", SortedLabels(patched));
        Assert.Equal("person", patched["spec"]!["dataset"]!["classTokens"]!.GetValue<string>());
        Assert.Equal("ohwx", patched["spec"]!["dataset"]!["triggerWord"]!.GetValue<string>());
    }

    [Fact]
    public async Task JsonPatch_GuardedByResourceVersionTest_AppliesWhenCurrent()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = await CreateRunAsync(client, "anna");

        var patched = ToJson(await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Json($$"""
            [{"op":"test","path":"/metadata/resourceVersion","value":"{{ResourceVersion(run)}}"},
             {"op":"add","path":"/metadata/finalizers","value":["loratrainer.io/release-gpu"]}]
            """), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal("loratrainer.io/release-gpu", patched["metadata"]!["finalizers"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task JsonPatch_WhenTestOperationFails_Answers422AndChangesNothing()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");
        var before = server.ResourceVersion;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Json("""
            [{"op":"test","path":"/metadata/resourceVersion","value":"1"},{"op":"remove","path":"/spec/dataset"}]
            """), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("testing value /metadata/resourceVersion failed", error.Response.Content);
        Assert.Equal(before, server.ResourceVersion);
    }

    [Fact]
    public async Task JsonPatch_ThatBreaksTheSchema_IsRefusedAsInvalid()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Json("""[{"op":"replace","path":"/spec/dataset/repeats","value":0}]"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("TrainingRun.loratrainer.io \\\"anna\\\" is invalid: spec.dataset.repeats: Invalid value: 0: spec.dataset.repeats in body should be greater than or equal to 1", error.Response.Content);
    }

    [Fact]
    public async Task StrategicMergePatch_OnCustomResources_Answers415()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Strategic("""{"metadata":{"labels":{"a":"1"}}}"""), Group, RunVersion, "default", Plural, "anna", fieldManager: "test", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, error.Response.StatusCode);
        Assert.Contains("application/merge-patch+json", error.Response.Content);
    }

    [Fact]
    public async Task StrategicMergePatch_OnBuiltInConfigMap_MergesData()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "default", cancellationToken: Token);

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(Patch.Strategic("""{"data":{"b":"2"}}"""), "c", "default", cancellationToken: Token);

        Assert.Equal(["a", "b"], patched.Data.Keys.Order());
    }
}
