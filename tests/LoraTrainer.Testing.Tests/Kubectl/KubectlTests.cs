using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Testing.Tests.Kubectl;

public sealed class KubectlTests
{
    private const string Group = "loratrainer.io";
    private const string RunVersion = "v1alpha1";
    private const string Plural = "trainingruns";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string Crds => RepositoryRoot.Combine("config", "crds");

    private static string Samples => RepositoryRoot.Combine("config", "samples");

    [Fact]
    public async Task Apply_OfTheCrdsAndEverySample_CreatesThemOnTheServer()
    {
        await using var session = await KubectlSession.StartAsync();

        var crd = (await session.RunAsync("apply", "-f", Crds)).EnsureSuccess();
        var samples = (await session.RunAsync("apply", "-f", Samples)).EnsureSuccess();

        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/trainingruns.loratrainer.io created", crd.Stdout);
        var expected = Manifests.Load(Samples).Select(s => s["metadata"]!["name"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(expected, session.Server.List("loratrainer.io/v1alpha1", "TrainingRun").Select(r => r["metadata"]!["name"]!.GetValue<string>()).Order());
        Assert.All(expected, name => Assert.Contains($"trainingrun.loratrainer.io/{name} created", samples.Stdout));
        Assert.Contains(session.Server.RequestLog, r => r.Method == "POST" && r.Query.Contains("fieldValidation=Strict", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Apply_OfTheSameSamplesTwice_ReportsThemUnchanged()
    {
        await using var session = await KubectlSession.StartAsync();
        (await session.RunAsync("apply", "-f", Crds)).EnsureSuccess();
        (await session.RunAsync("apply", "-f", Samples)).EnsureSuccess();

        var again = (await session.RunAsync("apply", "-f", Samples)).EnsureSuccess();

        Assert.Contains("unchanged", again.Stdout);
        Assert.DoesNotContain("configured", again.Stdout);
    }

    [Fact]
    public async Task GetTrainingRuns_ShowsThePrinterColumns()
    {
        await using var session = await StartWithMinimalRunAsync();
        using var client = session.Server.CreateClient();
        await PatchStatusAsync(client, """{"status":{"phase":"training","progress":{"percent":38,"epoch":4,"loss":0.0931},"gpu":{"gpuName":"RTX 4090","pricePerHour":0.41},"cost":{"estimatedUsd":0.22}}}""");

        var result = (await session.RunAsync("get", "trainingruns")).EnsureSuccess();

        var lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "PHASE", "PROGRESS", "EPOCH", "LOSS", "GPU", "$/H", "COST", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^minimal\s+training\s+38\s+4\s+0\.0931\s+RTX 4090\s+0\.41\s+0\.22\s+\d+s\s*$", lines[1]);
    }

    [Fact]
    public async Task GetByShortNameAsJson_PrintsTheStoredObject()
    {
        await using var session = await StartWithMinimalRunAsync();

        var result = (await session.RunAsync("get", "tr", "minimal", "-o", "json")).EnsureSuccess();

        var run = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("TrainingRun", run["kind"]!.GetValue<string>());
        Assert.Equal("minimal", run["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("10", run["spec"]!["dataset"]!["repeats"]!.ToJsonString());
    }

    [Fact]
    public async Task PatchWithStatusSubresource_ChangesOnlyTheStatus()
    {
        await using var session = await StartWithMinimalRunAsync();

        (await session.RunAsync("patch", "tr", "minimal", "--subresource=status", "--type=merge",
            "-p", """{"status":{"phase":"pendingGpu"},"spec":{"dataset":{"repeats":99}}}""")).EnsureSuccess();

        var run = session.Server.Get("loratrainer.io/v1alpha1", "TrainingRun", "default", "minimal")!;
        Assert.Equal("pendingGpu", run["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("10", run["spec"]!["dataset"]!["repeats"]!.ToJsonString());
    }

    [Fact]
    public async Task Delete_OfARunWithAFinalizer_WaitsUntilTheFinalizerIsRemoved()
    {
        await using var session = await StartWithMinimalRunAsync();
        using var client = session.Server.CreateClient();
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"metadata":{"finalizers":["loratrainer.io/release-gpu"]}}""", V1Patch.PatchType.MergePatch), Group, RunVersion, "default", Plural, "minimal", cancellationToken: Token);

        using var delete = session.Start("delete", "tr", "minimal", "--timeout=60s");
        await session.Server.WaitForAsync("loratrainer.io/v1alpha1", "TrainingRun", "default", "minimal", r => r["metadata"]?["deletionTimestamp"] is not null, Patience, Token);
        await WaitForWatchAsync(session.Server);
        var exitedEarly = delete.HasExited;
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""[{"op":"remove","path":"/metadata/finalizers"}]""", V1Patch.PatchType.JsonPatch), Group, RunVersion, "default", Plural, "minimal", cancellationToken: Token);
        var result = await delete.CompleteAsync(Patience);

        Assert.False(exitedEarly);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("trainingrun.loratrainer.io \"minimal\" deleted", result.Stdout);
        Assert.Null(session.Server.Get("loratrainer.io/v1alpha1", "TrainingRun", "default", "minimal"));
    }

    [Fact]
    public async Task WaitForJsonPath_ReturnsWhenTheStatusReachesThePhase()
    {
        await using var session = await StartWithMinimalRunAsync();
        using var client = session.Server.CreateClient();

        using var wait = session.Start("wait", "--for=jsonpath={.status.phase}=completed", "tr/minimal", "--timeout=60s");
        await WaitForWatchAsync(session.Server);
        await PatchStatusAsync(client, """{"status":{"phase":"training"}}""");
        var exitedEarly = wait.HasExited;
        await PatchStatusAsync(client, """{"status":{"phase":"completed"}}""");
        var result = await wait.CompleteAsync(Patience);

        Assert.False(exitedEarly);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("trainingrun.loratrainer.io/minimal condition met", result.Stdout);
    }

    [Fact]
    public async Task Apply_OfAnInvalidManifest_FailsWithTheSchemasMessage()
    {
        await using var session = await KubectlSession.StartAsync();
        (await session.RunAsync("apply", "-f", Crds)).EnsureSuccess();
        var manifest = session.WriteFile("bad.yaml", """
            apiVersion: loratrainer.io/v1alpha1
            kind: TrainingRun
            metadata:
              name: bad
            spec:
              baseModel:
                civitai:
                  modelVersionId: 128078
              output:
                s3:
                  bucket: trained-loras
            """);

        var result = await session.RunAsync("apply", "-f", manifest);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The TrainingRun \"bad\" is invalid: \n* spec.dataset: Required value", result.Stderr);
        Assert.Null(session.Server.Get("loratrainer.io/v1alpha1", "TrainingRun", "default", "bad"));
    }

    [Fact]
    public async Task Apply_OfAManifestWithAnUnknownField_IsRefusedByServerSideValidation()
    {
        await using var session = await KubectlSession.StartAsync();
        (await session.RunAsync("apply", "-f", Crds)).EnsureSuccess();
        var sample = Manifests.Load(Path.Combine(Samples, "trainingrun-minimal.yaml")).Single();
        sample["spec"]!["colour"] = "blue";
        var manifest = session.WriteFile("unknown.json", sample.ToJsonString());

        var result = await session.RunAsync("apply", "-f", manifest);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("strict decoding error: unknown field \"spec.colour\"", result.Stderr);
    }

    [Fact]
    public async Task Apply_OfAManifestBreakingACelRule_FailsWithTheRulesMessage()
    {
        await using var session = await KubectlSession.StartAsync();
        (await session.RunAsync("apply", "-f", Crds)).EnsureSuccess();
        var sample = Manifests.Load(Path.Combine(Samples, "trainingrun-minimal.yaml")).Single();
        sample["spec"]!["baseModel"] = JsonNode.Parse("""{"url":{"url":"https://example.com/model.safetensors","sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}""");
        var manifest = session.WriteFile("no-family.json", sample.ToJsonString());

        var result = await session.RunAsync("apply", "-f", manifest);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The TrainingRun \"minimal\" is invalid: spec.baseModel: Invalid value: \"object\": family is required when the model comes from a url", result.Stderr);
        Assert.Null(session.Server.Get("loratrainer.io/v1alpha1", "TrainingRun", "default", "minimal"));
    }

    [Fact]
    public async Task Apply_OfAnExistingSecret_MergesFinalizersAsASet()
    {
        await using var session = await KubectlSession.StartAsync();
        const string Secret = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: run-token
              finalizers: [example.com/{0}]
            stringData:
              token: {1}
            """;
        (await session.RunAsync("apply", "-f", session.WriteFile("secret.yaml", Secret.Replace("{0}", "a", StringComparison.Ordinal).Replace("{1}", "first", StringComparison.Ordinal)))).EnsureSuccess();
        using var client = session.Server.CreateClient();
        await client.CoreV1.PatchNamespacedSecretAsync(new V1Patch("""[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/b"}]""", V1Patch.PatchType.JsonPatch), "run-token", "default", cancellationToken: Token);
        var changed = Secret.Replace("[example.com/{0}]", "[example.com/a, example.com/c]", StringComparison.Ordinal).Replace("{1}", "second", StringComparison.Ordinal);

        var result = (await session.RunAsync("apply", "-f", session.WriteFile("secret.yaml", changed))).EnsureSuccess();

        var secret = await client.CoreV1.ReadNamespacedSecretAsync("run-token", "default", cancellationToken: Token);
        Assert.Contains("secret/run-token configured", result.Stdout);
        Assert.Equal(["example.com/a", "example.com/b", "example.com/c"], secret.Metadata.Finalizers);
        Assert.Equal("second", System.Text.Encoding.UTF8.GetString(secret.Data["token"]));
        Assert.Contains(session.Server.RequestLog, r => r.Method == "PATCH" && r.Path.EndsWith("/secrets/run-token", StringComparison.Ordinal) && r.StatusCode == 200);
    }

    private static async Task<KubectlSession> StartWithMinimalRunAsync()
    {
        var session = await KubectlSession.StartAsync();
        session.Server.SeedFromPath(Crds);
        session.Server.SeedFromPath(Path.Combine(Samples, "trainingrun-minimal.yaml"));
        return session;
    }

    private static Task PatchStatusAsync(IKubernetes client, string body) =>
        client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch), Group, RunVersion, "default", Plural, "minimal", cancellationToken: Token);

    /// <summary>kubectl delete and wait watch the object; changes before the watch starts would be seen by their initial GET instead.</summary>
    private static Task WaitForWatchAsync(FakeKubeApiServer server) =>
        Eventually.UntilAsync(() => server.RequestLog.Any(r => r.IsWatch), Patience, "kubectl to start watching", cancellationToken: Token);
}
