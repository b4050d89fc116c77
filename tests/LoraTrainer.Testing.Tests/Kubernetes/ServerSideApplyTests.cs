using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

/// <summary>Server-side apply as the Kubernetes documentation describes it, driven the way Flux's kustomize-controller drives it.</summary>
public sealed class ServerSideApplyTests
{
    private const string Flux = "kustomize-controller";
    private const string Finalizer = "loratrainer.io/release-gpu";

    [Fact]
    public async Task Apply_ReappliedByFluxAfterTheOperatorAddedItsFinalizerAndStatus_KeepsBoth()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await FluxApplyAsync(client, Manifest("anna", triggerWord: "ohwx"));
        var run = await GetRunAsync(client, "anna");
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Json($$"""
            [{"op":"test","path":"/metadata/resourceVersion","value":"{{ResourceVersion(run)}}"},
             {"op":"add","path":"/metadata/finalizers","value":["{{Finalizer}}"]}]
            """), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            Patch.Merge("""{"status":{"phase":"training","message":"training on RTX 4090"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        var reapplied = await FluxApplyAsync(client, Manifest("anna", triggerWord: "sks"));

        Assert.Equal([Finalizer], reapplied["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal("training", reapplied["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("sks", reapplied["spec"]!["dataset"]!["triggerWord"]!.GetValue<string>());
        var managers = Managers(reapplied);
        Assert.Contains((Flux, "Apply", ""), managers);
        Assert.Contains(managers, m => m is { Operation: "Update", Subresource: "status" });
        Assert.Contains(managers, m => m is { Operation: "Update", Subresource: "" } && m.Manager != Flux);
    }

    [Fact]
    public async Task Apply_OfAFieldAnotherManagerChanged_ConflictsNamingThemUnlessForced()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await ApplyAsync(client, Manifest("anna", triggerWord: "ohwx"), "platform-team", force: false);
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"spec":{"dataset":{"triggerWord":"zwx"}}}"""),
            Group, RunVersion, "default", Plural, "anna", fieldManager: "kubectl-edit", cancellationToken: Token);
        var before = server.ResourceVersion;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => ApplyAsync(client, Manifest("anna", triggerWord: "ohwx"), "platform-team", force: false));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        var status = JsonNode.Parse(error.Response.Content)!;
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal("""Apply failed with 1 conflict: conflict with "kubectl-edit" using loratrainer.io/v1alpha1: .spec.dataset.triggerWord""", status["message"]!.GetValue<string>());
        var cause = status["details"]!["causes"]![0]!;
        Assert.Equal(("FieldManagerConflict", ".spec.dataset.triggerWord"), (cause["reason"]!.GetValue<string>(), cause["field"]!.GetValue<string>()));
        Assert.Equal(before, server.ResourceVersion);

        var forced = await ApplyAsync(client, Manifest("anna", triggerWord: "ohwx"), "platform-team", force: true);

        Assert.Equal("ohwx", forced["spec"]!["dataset"]!["triggerWord"]!.GetValue<string>());
        Assert.DoesNotContain(Managers(forced), m => m.Manager == "kubectl-edit");
    }

    [Fact]
    public async Task Apply_OfTheSameValueAnotherManagerSet_SharesItWithoutConflict()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await ApplyAsync(client, Manifest("anna", triggerWord: "ohwx"), "platform-team", force: false);

        var shared = await ApplyAsync(client, Manifest("anna", triggerWord: "ohwx"), "ml-team", force: false);

        Assert.Equal(["ml-team", "platform-team"], Managers(shared).Select(m => m.Manager).Order());
    }

    [Fact]
    public async Task Apply_WithoutAFieldItAppliedBefore_RemovesItButKeepsFieldsOthersOwn()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await FluxApplyAsync(client, Manifest("anna", labels: """{"team":"ml","tier":"gpu"}"""));
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"metadata":{"labels":{"owner":"anna"}}}"""),
            Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        var reapplied = await FluxApplyAsync(client, Manifest("anna", labels: """{"team":"ml"}"""));

        Assert.Equal("""{"owner":"anna","team":"ml"}""", SortedLabels(reapplied));
    }

    [Fact]
    public async Task Apply_ThatChangesNothing_KeepsTheResourceVersion()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var first = await FluxApplyAsync(client, Manifest("anna"));

        var second = await FluxApplyAsync(client, Manifest("anna"));

        Assert.Equal(ResourceVersion(first), ResourceVersion(second));
        Assert.Equal(first["metadata"]!["managedFields"]!.ToJsonString(), second["metadata"]!["managedFields"]!.ToJsonString());
    }

    [Fact]
    public async Task Apply_OfAnAbsentRun_CreatesItOwnedByTheApplier()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var created = await FluxApplyAsync(client, Manifest("anna"));

        Assert.Equal(1, Generation(created));
        var entry = created["metadata"]!["managedFields"]!.AsArray().Single()!;
        Assert.Equal((Flux, "Apply", "loratrainer.io/v1alpha1"), (entry["manager"]!.GetValue<string>(), entry["operation"]!.GetValue<string>(), entry["apiVersion"]!.GetValue<string>()));
        Assert.Equal("FieldsV1", entry["fieldsType"]!.GetValue<string>());
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:dataset"]!["f:triggerWord"]);
        Assert.Null(entry["fieldsV1"]!["f:spec"]!["."]);
    }

    [Fact]
    public async Task Apply_OfTheStatusSubresource_OwnsOnlyTheStatusAndIs404ForAnAbsentRun()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await FluxApplyAsync(client, Manifest("anna"));
        var status = $$$"""{"apiVersion":"{{{ApiVersion}}}","kind":"TrainingRun","metadata":{"name":"anna"},"status":{"phase":"pending"}}""";

        var applied = ToJson(await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Apply(status), Group, RunVersion, "default", Plural, "anna",
            fieldManager: "loratrainer-operator", cancellationToken: Token));
        var absent = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            Patch.Apply(status.Replace("anna", "bob", StringComparison.Ordinal)), Group, RunVersion, "default", Plural, "bob", fieldManager: "loratrainer-operator", cancellationToken: Token));

        Assert.Equal("pending", applied["status"]!["phase"]!.GetValue<string>());
        Assert.Contains(("loratrainer-operator", "Apply", "status"), Managers(applied));
        Assert.Equal(HttpStatusCode.NotFound, absent.Response.StatusCode);
    }

    [Fact]
    public async Task Apply_WithoutAFieldManager_IsRefusedAsInvalidPatchOptions()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Apply(Manifest("anna").ToJsonString()), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("""PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch""", error.Response.Content);
    }

    [Fact]
    public async Task Create_ThenMergePatch_RecordTheirChangesAsUpdatesOfTheirManagers()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Run("anna"), Group, RunVersion, "default", Plural, fieldManager: "creator", cancellationToken: Token);

        var patched = ToJson(await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"spec":{"dataset":{"triggerWord":"zwx"}}}"""),
            Group, RunVersion, "default", Plural, "anna", fieldManager: "editor", cancellationToken: Token));

        var entries = patched["metadata"]!["managedFields"]!.AsArray();
        var creator = entries.Single(e => e!["manager"]!.GetValue<string>() == "creator")!["fieldsV1"]!;
        var editor = entries.Single(e => e!["manager"]!.GetValue<string>() == "editor")!["fieldsV1"]!;
        Assert.NotNull(creator["f:spec"]!["."]);
        Assert.Null(creator["f:spec"]!["f:dataset"]!["f:triggerWord"]);
        Assert.Equal("""{"f:spec":{"f:dataset":{"f:triggerWord":{}}}}""", editor.ToJsonString());
    }

    [Fact]
    public async Task MergePatch_WithForce_IsRefusedAsInvalidPatchOptions()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Merge("""{"spec":{"dataset":{"triggerWord":"zwx"}}}"""), Group, RunVersion, "default", Plural, "anna", force: true, cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("force: Forbidden: may not be specified for non-apply patch", error.Response.Content);
    }

    /// <summary>What kustomize-controller does for each object: a forced dry-run apply to find drift, then the forced apply.</summary>
    private static async Task<JsonObject> FluxApplyAsync(IKubernetes client, JsonObject manifest)
    {
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Apply(manifest.ToJsonString()), Group, RunVersion, "default", Plural,
            manifest["metadata"]!["name"]!.GetValue<string>(), dryRun: "All", fieldManager: Flux, force: true, cancellationToken: Token);
        return await ApplyAsync(client, manifest, Flux, force: true);
    }

    private static async Task<JsonObject> ApplyAsync(IKubernetes client, JsonObject manifest, string manager, bool force) =>
        ToJson(await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Apply(manifest.ToJsonString()), Group, RunVersion, "default", Plural,
            manifest["metadata"]!["name"]!.GetValue<string>(), fieldManager: manager, force: force, cancellationToken: Token));

    private static JsonObject Manifest(string name, string triggerWord = "ohwx", string? labels = null)
    {
        var run = Run(name);
        run["spec"]!["dataset"]!["triggerWord"] = triggerWord;
        if (labels is not null)
        {
            run["metadata"]!["labels"] = JsonNode.Parse(labels);
        }

        return run;
    }

    private static List<(string Manager, string Operation, string Subresource)> Managers(JsonObject obj) =>
        [.. obj["metadata"]!["managedFields"]!.AsArray().Select(e => (
            e!["manager"]!.GetValue<string>(), e["operation"]!.GetValue<string>(), e["subresource"]?.GetValue<string>() ?? ""))];
}
