using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Cluster;
using LoraTrainer.ClusterTests.Fixtures;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.ClusterTests.Contract;

/// <summary>
/// What the TrainingRun CRD must do on a Kubernetes API server: install, accept every sample with strict field
/// validation, and refuse bad manifests with the schema's message. Runs against real K3s (where Docker exists) and
/// against the fake, so the fake is held to what the real apiserver does.
/// </summary>
public abstract class TrainingRunApiContract(IApiServerFixture fixture)
{
    private const string Group = "loratrainer.io";
    private const string RunVersion = "v1alpha1";
    private const string Plural = "trainingruns";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Crd_WhenInstalled_IsEstablishedAndDiscoverable()
    {
        using var client = await ConnectAsync();

        var groups = await client.Apis.GetAPIVersionsAsync(Token);

        Assert.Contains(groups.Groups, g => g.Name == Group && g.Versions.Any(v => v.Version == RunVersion));
    }

    [Fact]
    public async Task EverySample_IsAcceptedWithStrictFieldValidation()
    {
        using var client = await ConnectAsync();
        var ns = await NewNamespaceAsync(client);

        foreach (var sample in Manifests.Load(RepositoryRoot.Combine("config", "samples")))
        {
            sample["metadata"]!["namespace"] = ns;
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(sample, Group, RunVersion, ns, Plural, fieldValidation: "Strict", cancellationToken: Token);
        }

        var list = JsonNode.Parse(ClusterJson.Serialize(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, RunVersion, ns, Plural, cancellationToken: Token)))!;
        Assert.Equal(Manifests.Load(RepositoryRoot.Combine("config", "samples")).Count, list["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task RunWithoutDataset_IsRefusedWithTheSchemasMessage()
    {
        using var client = await ConnectAsync();
        var run = await MinimalRunAsync(client);
        run["spec"]!.AsObject().Remove("dataset");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        // A missing field stops the CRD's CEL rules from running, and the apiserver says so.
        Assert.Equal("TrainingRun.loratrainer.io \"minimal\" is invalid: [spec.dataset: Required value, <nil>: Invalid value: \"null\": " +
            "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]", Message(error));
    }

    [Fact]
    public async Task RunWithUrlModelWithoutFamily_IsRefusedWithTheRulesMessage()
    {
        using var client = await ConnectAsync();
        var run = await MinimalRunAsync(client);
        run["spec"]!["baseModel"] = new JsonObject
        {
            ["url"] = new JsonObject { ["url"] = "https://example.com/model.safetensors", ["sha256"] = new string('a', 64) },
        };

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Equal("TrainingRun.loratrainer.io \"minimal\" is invalid: spec.baseModel: Invalid value: \"object\": family is required when the model comes from a url", Message(error));
    }

    [Fact]
    public async Task RunWithOutOfRangeRepeats_IsRefusedWithTheBound()
    {
        using var client = await ConnectAsync();
        var run = await MinimalRunAsync(client);
        run["spec"]!["dataset"]!["repeats"] = 0;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("spec.dataset.repeats: Invalid value: 0: spec.dataset.repeats in body should be greater than or equal to 1", Message(error));
    }

    [Fact]
    public async Task RunWithUnknownField_IsRefusedWhenStrict()
    {
        using var client = await ConnectAsync();
        var run = await MinimalRunAsync(client);
        run["spec"]!["colour"] = "blue";

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => CreateAsync(client, run));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
        Assert.Contains("unknown field \"spec.colour\"", Message(error));
    }

    private async Task<IKubernetes> ConnectAsync()
    {
        var client = fixture.CreateClient();
        await CrdInstaller.InstallAsync(client, Token);
        return client;
    }

    private static async Task<JsonObject> MinimalRunAsync(IKubernetes client)
    {
        var run = Manifests.Load(RepositoryRoot.Combine("config", "samples", "trainingrun-minimal.yaml")).Single();
        run["metadata"]!["namespace"] = await NewNamespaceAsync(client);
        return run;
    }

    private static Task<object> CreateAsync(IKubernetes client, JsonObject run)
    {
        var ns = run["metadata"]!["namespace"]!.GetValue<string>();
        return client.CustomObjects.CreateNamespacedCustomObjectAsync(run, Group, RunVersion, ns, Plural, fieldValidation: "Strict", cancellationToken: Token);
    }

    private static async Task<string> NewNamespaceAsync(IKubernetes client)
    {
        var name = $"contract-{Guid.NewGuid():N}"[..20];
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: Token);
        return name;
    }

    private static string Message(HttpOperationException error) => JsonNode.Parse(error.Response.Content)!["message"]!.GetValue<string>();
}

/// <summary>The contract on a real K3s cluster; skipped with "Docker is not available" where there is no engine.</summary>
public sealed class K3sTrainingRunApiTests(K3sFixture fixture) : TrainingRunApiContract(fixture), IClassFixture<K3sFixture>;

/// <summary>The same contract on the test kit's fake.</summary>
public sealed class FakeApiTrainingRunApiTests(FakeApiFixture fixture) : TrainingRunApiContract(fixture), IClassFixture<FakeApiFixture>;
