using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class DeletionTests
{
    private const string Finalizer = "loratrainer.io/release-gpu";

    [Fact]
    public async Task Delete_WithFinalizer_SetsDeletionTimestampAndKeepsObjectUntilFinalizerIsRemoved()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");
        await AddFinalizerAsync(client, "anna");

        var deleting = ToJson(await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));
        var stillThere = await GetRunAsync(client, "anna");
        var removed = await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Json("""[{"op":"remove","path":"/metadata/finalizers"}]"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);
        var afterRemoval = await Assert.ThrowsAsync<HttpOperationException>(() => GetRunAsync(client, "anna"));

        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        Assert.Equal(2, Generation(stillThere));
        Assert.Equal(deleting["metadata"]!["deletionTimestamp"]!.GetValue<string>(), stillThere["metadata"]!["deletionTimestamp"]!.GetValue<string>());
        Assert.NotNull(removed);
        Assert.Equal(HttpStatusCode.NotFound, afterRemoval.Response.StatusCode);
    }

    [Fact]
    public async Task Update_OfDeletingObject_CannotAddNewFinalizers()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");
        await AddFinalizerAsync(client, "anna");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            Patch.Merge("""{"metadata":{"finalizers":["loratrainer.io/release-gpu","other/x"]}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("no new finalizers can be added if the object is being deleted", error.Response.Content);
    }

    [Fact]
    public async Task Delete_OfOwner_DeletesSecretsItOwns_AndKeepsSecretsWithAnotherLiveOwner()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var owner = await CreateRunAsync(client, "anna");
        var other = await CreateRunAsync(client, "bob");
        await client.CoreV1.CreateNamespacedSecretAsync(OwnedSecret("anna-token", owner), "default", cancellationToken: Token);
        await client.CoreV1.CreateNamespacedSecretAsync(OwnedSecret("shared", owner, other), "default", cancellationToken: Token);
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "unrelated" } }, "default", cancellationToken: Token);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        var secrets = await client.CoreV1.ListNamespacedSecretAsync("default", cancellationToken: Token);
        Assert.Equal(["shared", "unrelated"], secrets.Items.Select(s => s.Metadata.Name).Order());
        var shared = secrets.Items.Single(s => s.Metadata.Name == "shared");
        Assert.Equal("bob", Assert.Single(shared.Metadata.OwnerReferences).Name);
    }

    [Fact]
    public async Task Delete_WithOrphanPolicy_KeepsDependentsAndDropsTheirOwnerReference()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var owner = await CreateRunAsync(client, "anna");
        await client.CoreV1.CreateNamespacedSecretAsync(OwnedSecret("anna-token", owner), "default", cancellationToken: Token);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, "anna", propagationPolicy: "Orphan", cancellationToken: Token);

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("anna-token", "default", cancellationToken: Token);
        Assert.Null(secret.Metadata.OwnerReferences);
    }

    [Fact]
    public async Task DeleteNamespace_DeletesItsObjects_AndWaitsForFinalizersBeforeDisappearing()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } }, cancellationToken: Token);
        await CreateRunAsync(client, "held", "team");
        await CreateRunAsync(client, "free", "team");
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "team", cancellationToken: Token);
        await AddFinalizerAsync(client, "held", "team");

        await client.CoreV1.DeleteNamespaceAsync("team", cancellationToken: Token);
        var terminating = await client.CoreV1.ReadNamespaceAsync("team", cancellationToken: Token);
        var held = await GetRunAsync(client, "held", "team");
        var remaining = await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, RunVersion, "team", Plural, cancellationToken: Token);
        var createError = await Assert.ThrowsAsync<HttpOperationException>(() => CreateRunAsync(client, "late", "team"));
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("""{"metadata":{"finalizers":null}}"""), Group, RunVersion, "team", Plural, "held", cancellationToken: Token);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespaceAsync("team", cancellationToken: Token));

        Assert.Equal("Terminating", terminating.Status.Phase);
        Assert.NotNull(held["metadata"]!["deletionTimestamp"]);
        Assert.Single(ToJson(remaining)["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.Forbidden, createError.Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
        Assert.Empty((await client.CoreV1.ListNamespacedConfigMapAsync("team", cancellationToken: Token)).Items);
    }

    [Fact]
    public async Task DeleteCrd_RemovesItsInstancesAndStopsServingTheKind()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        await client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("trainingruns.loratrainer.io", cancellationToken: Token);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => GetRunAsync(client, "anna"));
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        var groups = await client.Apis.GetAPIVersionsAsync(Token);
        Assert.DoesNotContain(groups.Groups, g => g.Name == Group);
    }

    [Fact]
    public async Task Create_OfADependentWhoseOwnersDoNotExist_IsCollected_AndOnlyDanglingReferencesAreDroppedOtherwise()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var live = await CreateRunAsync(client, "anna");
        var ghost = Run("ghost");
        ghost["metadata"]!["uid"] = Guid.NewGuid().ToString();

        var orphan = await client.CoreV1.CreateNamespacedSecretAsync(OwnedSecret("ghost-token", ghost), "default", cancellationToken: Token);
        await client.CoreV1.CreateNamespacedSecretAsync(OwnedSecret("half-owned", ghost, live), "default", cancellationToken: Token);

        var secrets = await client.CoreV1.ListNamespacedSecretAsync("default", cancellationToken: Token);
        Assert.Equal("ghost-token", orphan.Metadata.Name);
        Assert.Equal(["half-owned"], secrets.Items.Select(s => s.Metadata.Name));
        Assert.Equal("anna", Assert.Single(secrets.Items[0].Metadata.OwnerReferences).Name);
    }

    [Fact]
    public async Task Delete_WithStaleResourceVersionPrecondition_Answers409()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.DeleteNamespacedCustomObjectAsync(
            Group, RunVersion, "default", Plural, "anna", body: new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = "1" } }, cancellationToken: Token));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("Precondition failed: ResourceVersion in precondition: 1", error.Response.Content);
    }

    private static Task AddFinalizerAsync(IKubernetes client, string name, string ns = "default") =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge($$$"""{"metadata":{"finalizers":["{{{Finalizer}}}"]}}"""), Group, RunVersion, ns, Plural, name, cancellationToken: Token);

    private static V1Secret OwnedSecret(string name, params System.Text.Json.Nodes.JsonObject[] owners) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            OwnerReferences = [.. owners.Select(o => new V1OwnerReference
            {
                ApiVersion = ApiVersion,
                Kind = "TrainingRun",
                Name = o["metadata"]!["name"]!.GetValue<string>(),
                Uid = o["metadata"]!["uid"]!.GetValue<string>(),
                BlockOwnerDeletion = true,
            })],
        },
        StringData = new Dictionary<string, string> { ["token"] = "not-a-real-token" },
    };
}
