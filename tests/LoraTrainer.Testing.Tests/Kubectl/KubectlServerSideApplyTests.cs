using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using k8s;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Testing.Tests.Kubectl;

/// <summary><c>kubectl apply --server-side</c> against the stand-in, including the CRD upgrade of docs/operating.md.</summary>
public sealed class KubectlServerSideApplyTests
{
    private const string UpgradeCommand = "kubectl apply --server-side --force-conflicts -f charts/lora-trainer/crds/";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string ChartCrds => RepositoryRoot.Combine("charts", "lora-trainer", "crds");

    private static string Samples => RepositoryRoot.Combine("config", "samples");

    [Fact]
    public async Task ApplyServerSide_OfTheCrdAndEverySample_CreatesThemOwnedByKubectl()
    {
        await using var session = await KubectlSession.StartAsync();

        var crd = (await session.RunAsync("apply", "--server-side", "-f", ChartCrds)).EnsureSuccess();
        var samples = (await session.RunAsync("apply", "--server-side", "-f", Samples)).EnsureSuccess();
        var again = (await session.RunAsync("apply", "--server-side", "-f", Samples)).EnsureSuccess();

        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/trainingruns.loratrainer.io serverside-applied", crd.Stdout);
        var runs = session.Server.List("loratrainer.io/v1alpha1", "TrainingRun");
        Assert.Equal(Manifests.Load(Samples).Count, runs.Count);
        Assert.All(runs, run => Assert.Contains($"trainingrun.loratrainer.io/{run["metadata"]!["name"]} serverside-applied", samples.Stdout));
        Assert.All(runs, run => Assert.Equal("kubectl", run["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>()));
        Assert.DoesNotContain(session.Server.RequestLog, r => r.Method == "PATCH" && r.StatusCode >= 400);
        Assert.Contains("serverside-applied", again.Stdout);
    }

    [Fact]
    public async Task UpgradingTheCrd_AsOperatingMdSays_TakesOverACrdInstalledByClientSideApply()
    {
        Assert.Contains(UpgradeCommand, await File.ReadAllTextAsync(RepositoryRoot.Combine("docs", "operating.md"), Token));
        await using var session = await KubectlSession.StartAsync();
        (await session.RunAsync("apply", "-f", RepositoryRoot.Combine("config", "crds"))).EnsureSuccess();

        var upgraded = (await session.RunAsync("apply", "--server-side", "--force-conflicts", "-f", NewerCrd(session))).EnsureSuccess();
        var versions = (await session.RunAsync("get", "crd", "trainingruns.loratrainer.io", "-o", "jsonpath={.spec.versions[*].name}")).EnsureSuccess();

        Assert.Contains("serverside-applied", upgraded.Stdout);
        Assert.Equal("v1alpha1", versions.Stdout.Trim());
        Assert.Equal(["trun"], await ShortNamesAsync(session));
        (await session.RunAsync("apply", "--server-side", "-f", Path.Combine(Samples, "trainingrun-minimal.yaml"))).EnsureSuccess();
    }

    [Fact]
    public async Task UpgradingTheCrd_InstalledByHelm_ConflictsWithoutForceConflictsAndTakesOverWithIt()
    {
        await using var session = await KubectlSession.StartAsync();
        using var client = session.Server.CreateClient();
        var crd = Manifests.Load(ChartCrds).Single();
        await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(
            KubernetesJson.Deserialize<k8s.Models.V1CustomResourceDefinition>(crd.ToJsonString()), fieldManager: "helm", cancellationToken: Token);
        var newer = NewerCrd(session);

        var refused = await session.RunAsync("apply", "--server-side", "-f", newer);
        var forced = (await session.RunAsync("apply", "--server-side", "--force-conflicts", "-f", newer)).EnsureSuccess();

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("""Apply failed with 1 conflict: conflict with "helm" using apiextensions.k8s.io/v1: .spec.names.shortNames""", refused.Stderr);
        Assert.Contains("serverside-applied", forced.Stdout);
        Assert.Equal(["trun"], await ShortNamesAsync(session));
    }

    /// <summary>The chart's CRD as a later release might ship it: a different short name.</summary>
    private static string NewerCrd(KubectlSession session)
    {
        var crd = Manifests.Load(ChartCrds).Single();
        crd["spec"]!["names"]!["shortNames"] = new JsonArray("trun");
        return session.WriteFile("newer-crd.json", crd.ToJsonString());
    }

    private static async Task<IReadOnlyList<string>> ShortNamesAsync(KubectlSession session)
    {
        using var client = session.Server.CreateClient();
        var crd = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("trainingruns.loratrainer.io", cancellationToken: Token);
        return [.. crd.Spec.Names.ShortNames];
    }
}
