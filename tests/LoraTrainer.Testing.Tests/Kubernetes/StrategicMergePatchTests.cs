using k8s;
using k8s.Models;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

/// <summary>Strategic merge patches on built-in kinds merge the metadata lists the way kube-apiserver does.</summary>
public sealed class StrategicMergePatchTests
{
    [Fact]
    public async Task StrategicMergePatch_OfFinalizers_AddsToTheSetAndDeletesOnlyWhatItNames()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedSecretAsync(Secret(finalizers: ["example.com/a", "example.com/b"]), "default", cancellationToken: Token);

        var added = await client.CoreV1.PatchNamespacedSecretAsync(Patch.Strategic("""{"metadata":{"finalizers":["example.com/c","example.com/a"]}}"""), "s", "default", cancellationToken: Token);
        var removed = await client.CoreV1.PatchNamespacedSecretAsync(Patch.Strategic("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["example.com/a"]}}"""), "s", "default", cancellationToken: Token);

        Assert.Equal(["example.com/a", "example.com/b", "example.com/c"], added.Metadata.Finalizers);
        Assert.Equal(["example.com/b", "example.com/c"], removed.Metadata.Finalizers);
    }

    [Fact]
    public async Task StrategicMergePatch_OfOwnerReferences_MergesByUid()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var anna = await CreateRunAsync(client, "anna");
        var bob = await CreateRunAsync(client, "bob");
        await client.CoreV1.CreateNamespacedSecretAsync(Secret(owners: [Owner(anna)]), "default", cancellationToken: Token);
        var bobOwns = $$$"""{"metadata":{"ownerReferences":[{"apiVersion":"{{{ApiVersion}}}","kind":"TrainingRun","name":"bob","uid":"{{{Uid(bob)}}}"},{"uid":"{{{Uid(anna)}}}","controller":true}]}}""";
        var annaLets = $$$"""{"metadata":{"ownerReferences":[{"uid":"{{{Uid(anna)}}}","$patch":"delete"}]}}""";

        var both = await client.CoreV1.PatchNamespacedSecretAsync(Patch.Strategic(bobOwns), "s", "default", cancellationToken: Token);
        var onlyBob = await client.CoreV1.PatchNamespacedSecretAsync(Patch.Strategic(annaLets), "s", "default", cancellationToken: Token);

        Assert.Equal([("anna", (bool?)true), ("bob", null)], both.Metadata.OwnerReferences.Select(o => (o.Name, o.Controller)));
        Assert.Equal(["bob"], onlyBob.Metadata.OwnerReferences.Select(o => o.Name));
    }

    [Fact]
    public async Task StrategicMergePatch_WithPatchReplaceOnAMap_ReplacesItWhole()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" }, Data = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } }, "default", cancellationToken: Token);

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(Patch.Strategic("""{"data":{"$patch":"replace","c":"3"}}"""), "c", "default", cancellationToken: Token);

        Assert.Equal(["c"], patched.Data.Keys);
    }

    private static V1Secret Secret(IList<string>? finalizers = null, IList<V1OwnerReference>? owners = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "s", Finalizers = finalizers, OwnerReferences = owners },
        StringData = new Dictionary<string, string> { ["k"] = "v" },
    };

    private static V1OwnerReference Owner(System.Text.Json.Nodes.JsonObject run) =>
        new() { ApiVersion = ApiVersion, Kind = "TrainingRun", Name = run["metadata"]!["name"]!.GetValue<string>(), Uid = Uid(run) };

    private static string Uid(System.Text.Json.Nodes.JsonObject run) => run["metadata"]!["uid"]!.GetValue<string>();
}
