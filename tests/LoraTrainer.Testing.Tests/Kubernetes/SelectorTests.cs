using System.Net;
using k8s;
using k8s.Autorest;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class SelectorTests
{
    [Theory]
    [InlineData("team=ml", "a,b")]
    [InlineData("team==ml,tier!=gold", "a")]
    [InlineData("team in (ml, ops)", "a,b,c")]
    [InlineData("team notin (ml)", "c,d")]
    [InlineData("tier", "b")]
    [InlineData("!tier,team", "a,c")]
    public async Task List_WithLabelSelector_ReturnsOnlyMatchingObjects(string selector, string expected)
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "a", labels: new Dictionary<string, string> { ["team"] = "ml" });
        await CreateRunAsync(client, "b", labels: new Dictionary<string, string> { ["team"] = "ml", ["tier"] = "gold" });
        await CreateRunAsync(client, "c", labels: new Dictionary<string, string> { ["team"] = "ops" });
        await CreateRunAsync(client, "d");

        var list = ToJson(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, labelSelector: selector, cancellationToken: Token));

        Assert.Equal(expected, string.Join(",", list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>())));
    }

    [Fact]
    public async Task List_WithFieldSelectorOnNameAndNamespace_AcrossAllNamespaces()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new() { Name = "team" } }, cancellationToken: Token);
        await CreateRunAsync(client, "a");
        await CreateRunAsync(client, "a", "team");
        await CreateRunAsync(client, "b", "team");

        var byName = ToJson(await client.CustomObjects.ListClusterCustomObjectAsync(Group, RunVersion, Plural, fieldSelector: "metadata.name=a", cancellationToken: Token));
        var notDefault = ToJson(await client.CustomObjects.ListClusterCustomObjectAsync(Group, RunVersion, Plural, fieldSelector: "metadata.namespace!=default", cancellationToken: Token));

        Assert.Equal(["default/a", "team/a"], Keys(byName));
        Assert.Equal(["team/a", "team/b"], Keys(notDefault));
    }

    [Fact]
    public async Task List_WithUnsupportedFieldSelector_Answers400()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ListNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, fieldSelector: "spec.dataset.repeats=10", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
        Assert.Contains("field label not supported: spec.dataset.repeats", error.Response.Content);
    }

    [Fact]
    public async Task List_WithLimit_PagesThroughContinueTokens()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        foreach (var name in (string[])["a", "b", "c"])
        {
            await CreateRunAsync(client, name);
        }

        var first = ToJson(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, limit: 2, cancellationToken: Token));
        var token = first["metadata"]!["continue"]!.GetValue<string>();
        var second = ToJson(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, limit: 2, continueParameter: token, cancellationToken: Token));

        Assert.Equal(["default/a", "default/b"], Keys(first));
        Assert.Equal(1, first["metadata"]!["remainingItemCount"]!.GetValue<int>());
        Assert.Equal(["default/c"], Keys(second));
        Assert.Null(second["metadata"]!["continue"]);
    }

    private static string[] Keys(System.Text.Json.Nodes.JsonObject list) =>
        [.. list["items"]!.AsArray().Select(i => $"{i!["metadata"]!["namespace"]}/{i["metadata"]!["name"]}")];
}
