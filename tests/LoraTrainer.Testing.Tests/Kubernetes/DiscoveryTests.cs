using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using k8s;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class DiscoveryTests
{
    [Fact]
    public async Task Discovery_ListsTheCustomResourceWithItsShortNameAndStatusSubresource()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();

        var version = await client.Version.GetCodeAsync(Token);
        var groups = await client.Apis.GetAPIVersionsAsync(Token);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var resources = JsonNode.Parse(await http.GetStringAsync(new Uri("/apis/loratrainer.io/v1alpha1", UriKind.Relative), Token))!;

        Assert.Equal("1", version.Major);
        Assert.Contains(groups.Groups, g => g.Name == Group && g.PreferredVersion.Version == RunVersion);
        var runs = resources["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == Plural)!;
        Assert.Equal("tr", runs["shortNames"]![0]!.GetValue<string>());
        Assert.True(runs["namespaced"]!.GetValue<bool>());
        Assert.Contains(resources["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "trainingruns/status");
    }

    [Fact]
    public async Task OpenApiV3_PublishesTheCrdSchemaAndFieldValidationOnPatch()
    {
        await using var server = await StartWithCrdAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var index = JsonNode.Parse(await http.GetStringAsync(new Uri("/openapi/v3", UriKind.Relative), Token))!;
        var url = index["paths"]!["apis/loratrainer.io/v1alpha1"]!["serverRelativeURL"]!.GetValue<string>();
        var document = JsonNode.Parse(await http.GetStringAsync(new Uri(url, UriKind.Relative), Token))!;

        var patch = document["paths"]!["/apis/loratrainer.io/v1alpha1/namespaces/{namespace}/trainingruns/{name}"]!["patch"]!;
        Assert.Equal("TrainingRun", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation");
        Assert.NotNull(document["components"]!["schemas"]!["io.loratrainer.v1alpha1.TrainingRun"]!["properties"]!["spec"]);
    }

    [Fact]
    public async Task List_AskedForATable_AnswersThePrinterColumnsWithAges()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        await using var server = await StartWithCrdAsync(new FakeKubeApiServerOptions { TimeProvider = clock });
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge("""
            {"status":{"phase":"training","progress":{"percent":38,"epoch":4,"loss":0.0931},"gpu":{"gpuName":"RTX 4090","pricePerHour":0.41}}}
            """), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);
        clock.Advance(TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(5));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/apis/loratrainer.io/v1alpha1/namespaces/default/trainingruns?limit=500");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/json;as=Table;v=v1;g=meta.k8s.io"));

        using var response = await http.SendAsync(request, Token);
        var table = JsonNode.Parse(await response.Content.ReadAsStringAsync(Token))!;

        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        var headers = table["columnDefinitions"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["Name", "Phase", "Progress", "Epoch", "Loss", "GPU", "$/h", "Cost", "Age", "Message"], headers);
        var cells = table["rows"]![0]!["cells"]!.AsArray().Select(c => c?.ToJsonString()).ToList();
        Assert.Equal(["\"anna\"", "\"training\"", "38", "4", "0.0931", "\"RTX 4090\"", "0.41", null, "\"3m5s\"", null], cells);
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Kubeconfig_WrittenByTheServer_IsUsableByKubernetesClient()
    {
        await using var server = await StartWithCrdAsync();
        var path = Path.Combine(Path.GetTempPath(), $"fake-kube-{Guid.NewGuid():N}", "config");
        try
        {
            await server.WriteKubeconfigAsync(path, "default", Token);
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            using var client = new k8s.Kubernetes(config);

            var namespaces = await client.CoreV1.ListNamespaceAsync(cancellationToken: Token);

            Assert.Equal(server.BaseAddress.ToString().TrimEnd('/'), config.Host.TrimEnd('/'));
            Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
