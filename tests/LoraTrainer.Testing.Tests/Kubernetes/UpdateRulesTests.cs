using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class UpdateRulesTests
{
    [Fact]
    public async Task Replace_WithStaleResourceVersion_Answers409Conflict()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var original = await CreateRunAsync(client, "anna");
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"metadata":{"labels":{"a":"1"}}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        original["spec"]!["dataset"]!["triggerWord"] = "zkw";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ReplaceNamespacedCustomObjectAsync(original, Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("the object has been modified; please apply your changes to the latest version and try again", error.Response.Content);
        Assert.Equal("ohwx", (await GetRunAsync(client, "anna"))["spec"]!["dataset"]!["triggerWord"]!.GetValue<string>());
    }

    [Fact]
    public async Task Replace_OfCustomResourceWithoutResourceVersion_IsRefused()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = await CreateRunAsync(client, "anna");
        run["metadata"]!.AsObject().Remove("resourceVersion");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CustomObjects.ReplaceNamespacedCustomObjectAsync(run, Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("metadata.resourceVersion: Invalid value: 0x0: must be specified for an update", error.Response.Content);
    }

    [Fact]
    public async Task Update_ThatChangesNothing_KeepsTheResourceVersionAndSendsNoEvent()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = await CreateRunAsync(client, "anna");
        var before = server.ResourceVersion;

        var replaced = ToJson(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(run, Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));
        var patched = ToJson(await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"spec":{"dataset":{"triggerWord":"ohwx"}}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(ResourceVersion(run), ResourceVersion(replaced));
        Assert.Equal(ResourceVersion(run), ResourceVersion(patched));
        Assert.Equal(before, server.ResourceVersion);
    }

    [Fact]
    public async Task MainResourceUpdate_IgnoresStatus_AndStatusUpdateIgnoresEverythingElse()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var main = ToJson(await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Merge("""{"status":{"phase":"training"},"metadata":{"labels":{"a":"1"}}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));
        var status = ToJson(await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            Patch.Merge("""{"status":{"phase":"pendingGpu"},"spec":{"dataset":{"triggerWord":"zkw"}},"metadata":{"labels":{"b":"2"}}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Null(main["status"]);
        Assert.Equal("1", main["metadata"]!["labels"]!["a"]!.GetValue<string>());
        Assert.Equal("pendingGpu", status["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("ohwx", status["spec"]!["dataset"]!["triggerWord"]!.GetValue<string>());
        Assert.Null(status["metadata"]!["labels"]!["b"]);
    }

    [Fact]
    public async Task Create_DropsStatus_WhenStatusIsASubresource()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = Run("anna");
        run["status"] = new JsonObject { ["phase"] = "completed" };

        var created = ToJson(await client.CustomObjects.CreateNamespacedCustomObjectAsync(run, Group, RunVersion, "default", Plural, cancellationToken: Token));

        Assert.Null(created["status"]);
    }

    [Fact]
    public async Task Generation_MovesOnSpecChangesOnly()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        async Task<long> PatchAsync(string body, bool status = false) => Generation(ToJson(status
            ? await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge(body), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token)
            : await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge(body), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token)));

        var afterLabel = await PatchAsync("""{"metadata":{"labels":{"a":"1"},"annotations":{"b":"2"}}}""");
        var afterStatus = await PatchAsync("""{"status":{"phase":"training"}}""", status: true);
        var afterSpec = await PatchAsync("""{"spec":{"dataset":{"repeats":12}}}""");
        var afterSecondSpec = await PatchAsync("""{"spec":{"dataset":{"repeats":14}}}""");

        Assert.Equal([1L, 1L, 2L, 3L], [afterLabel, afterStatus, afterSpec, afterSecondSpec]);
    }

    [Fact]
    public async Task Update_OfUnchangedFieldsAcrossObjects_UsesOneGlobalResourceVersionCounter()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var first = long.Parse(ResourceVersion(await CreateRunAsync(client, "a")), System.Globalization.CultureInfo.InvariantCulture);
        var configMap = await client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "c" } }, "default", cancellationToken: Token);
        var second = long.Parse(ResourceVersion(await CreateRunAsync(client, "b")), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(first + 1, long.Parse(configMap.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(first + 2, second);
    }
}
