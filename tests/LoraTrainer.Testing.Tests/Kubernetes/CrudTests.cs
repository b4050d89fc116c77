using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Api;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.Builders;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class CrudTests
{
    [Fact]
    public async Task Create_WhenRunIsNew_AssignsServerMetadataAndAppliesSchemaDefaults()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var created = await CreateRunAsync(client, "anna");

        var metadata = created["metadata"]!;
        Assert.True(Guid.TryParse(metadata["uid"]!.GetValue<string>(), out _));
        Assert.Equal(1, Generation(created));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", metadata["creationTimestamp"]!.GetValue<string>());
        Assert.Equal(server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), ResourceVersion(created));
        Assert.Equal(10, created["spec"]!["dataset"]!["repeats"]!.GetValue<int>());
    }

    [Fact]
    public async Task TypedCustomObjects_RoundTripTrainingRunThroughCreateGetListReplaceDelete()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var run = new TrainingRunBuilder().Named("portrait", "default").Build();

        var created = Read<TrainingRun>(await client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonNode.Parse(ClusterJson.Serialize(run)), Group, RunVersion, "default", Plural, cancellationToken: Token));
        var fetched = Read<TrainingRun>(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, "portrait", Token));
        fetched.Metadata.Labels = new Dictionary<string, string> { ["team"] = "ml" };
        var replaced = Read<TrainingRun>(await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(JsonNode.Parse(ClusterJson.Serialize(fetched)), Group, RunVersion, "default", Plural, "portrait", cancellationToken: Token));
        var listed = Read<TrainingRunList>(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, cancellationToken: Token));
        var deleted = Read<TrainingRun>(await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, "portrait", cancellationToken: Token));

        Assert.Equal("ohwx", created.Spec.Dataset!.TriggerWord);
        Assert.Equal(created.Metadata.Uid, fetched.Metadata.Uid);
        Assert.Equal("ml", replaced.Metadata.Labels["team"]);
        Assert.Equal(["portrait"], listed.Items.Select(i => i.Metadata.Name));
        Assert.Equal(created.Metadata.Uid, deleted.Metadata.Uid);
        Assert.Null(server.Get<TrainingRun>("default", "portrait"));
    }

    private static T Read<T>(object answer) => ClusterJson.Deserialize<T>((System.Text.Json.JsonElement)answer);

    [Fact]
    public async Task Create_WhenNameIsTaken_Answers409AlreadyExists()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateRunAsync(client, "anna"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("trainingruns.loratrainer.io \\\"anna\\\" already exists", error.Response.Content);
        Assert.Contains("\"reason\":\"AlreadyExists\"", error.Response.Content);
    }

    [Fact]
    public async Task Get_WhenObjectIsMissing_Answers404StatusNamingTheResource()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => GetRunAsync(client, "ghost"));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Contains("trainingruns.loratrainer.io \\\"ghost\\\" not found", error.Response.Content);
    }

    [Fact]
    public async Task Create_WithGenerateName_PicksAUniqueName()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        var secret = new V1Secret { Metadata = new V1ObjectMeta { GenerateName = "token-" }, StringData = new Dictionary<string, string> { ["k"] = "v" } };

        var first = await client.CoreV1.CreateNamespacedSecretAsync(secret, "default", cancellationToken: Token);
        var second = await client.CoreV1.CreateNamespacedSecretAsync(secret, "default", cancellationToken: Token);

        Assert.StartsWith("token-", first.Metadata.Name);
        Assert.Equal(11, first.Metadata.Name.Length);
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
        Assert.Equal("v"u8.ToArray(), first.Data["k"]);
        Assert.Equal("Opaque", first.Type);
    }

    [Fact]
    public async Task Create_InMissingNamespace_Answers404ForTheNamespace()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateRunAsync(client, "anna", "nowhere"));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Contains("namespaces \\\"nowhere\\\" not found", error.Response.Content);
    }

    [Fact]
    public async Task ListAndRead_OfBuiltIns_WorkThroughTheTypedClient()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, "default", cancellationToken: Token);
        await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "lock" }, Spec = new V1LeaseSpec { HolderIdentity = "me" } }, "default", cancellationToken: Token);
        await client.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event { Metadata = new V1ObjectMeta { Name = "e1" }, EventTime = TimeProvider.System.GetUtcNow().UtcDateTime, Reason = "Started", Note = "n", Type = "Normal", Action = "Start", ReportingController = "test", ReportingInstance = "t" }, "default", cancellationToken: Token);
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event { Metadata = new V1ObjectMeta { Name = "e2" }, InvolvedObject = new V1ObjectReference { Kind = "TrainingRun", Name = "anna" }, Reason = "Started" }, "default", cancellationToken: Token);

        var namespaces = await client.CoreV1.ListNamespaceAsync(cancellationToken: Token);
        var configMap = await client.CoreV1.ReadNamespacedConfigMapAsync("settings", "default", cancellationToken: Token);
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("lock", "default", cancellationToken: Token);
        var events = await client.EventsV1.ListNamespacedEventAsync("default", cancellationToken: Token);
        var coreEvents = await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=anna", cancellationToken: Token);

        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "default" && n.Status.Phase == "Active");
        Assert.Equal("1", configMap.Data["a"]);
        Assert.Equal("me", lease.Spec.HolderIdentity);
        Assert.Equal(["e1", "e2"], events.Items.Select(e => e.Metadata.Name));
        Assert.Equal("Started", events.Items[0].Reason);
        Assert.Equal("anna", events.Items[1].Regarding.Name);
        Assert.Equal("e2", Assert.Single(coreEvents.Items).Metadata.Name);
    }

    [Fact]
    public async Task Events_OfTheCoreAndEventsApis_AreOneResourceWithRenamedFields()
    {
        await using var server = await FakeKubeApiServer.StartAsync(cancellationToken: Token);
        using var client = server.CreateClient();
        await client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "run-started" },
            InvolvedObject = new V1ObjectReference { Kind = "TrainingRun", Name = "anna", NamespaceProperty = "default" },
            Reason = "Started", Message = "renting a GPU", ReportingComponent = "loratrainer-operator", Type = "Normal", Count = 2,
        }, "default", cancellationToken: Token);

        var asEvents = await client.EventsV1.ReadNamespacedEventAsync("run-started", "default", cancellationToken: Token);
        await client.EventsV1.PatchNamespacedEventAsync(new V1Patch("""{"note":"GPU rented"}""", V1Patch.PatchType.MergePatch), "run-started", "default", cancellationToken: Token);
        var asCore = await client.CoreV1.ReadNamespacedEventAsync("run-started", "default", cancellationToken: Token);
        var selected = await client.EventsV1.ListNamespacedEventAsync("default", fieldSelector: "regarding.name=anna,reportingController=loratrainer-operator", cancellationToken: Token);

        Assert.Equal(("anna", "renting a GPU", "loratrainer-operator", 2), (asEvents.Regarding.Name, asEvents.Note, asEvents.ReportingController, asEvents.DeprecatedCount));
        Assert.Equal("GPU rented", asCore.Message);
        Assert.Equal(asEvents.Metadata.Uid, asCore.Metadata.Uid);
        Assert.Equal("run-started", Assert.Single(selected.Items).Metadata.Name);
    }
}
