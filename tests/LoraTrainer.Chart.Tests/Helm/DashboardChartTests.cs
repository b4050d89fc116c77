using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Chart.Tests.Helm;

/// <summary>The dashboard's objects in the chart: off by default, least privilege, and loopback-only without authentication.</summary>
public sealed class DashboardChartTests
{
    private static readonly string[] Minimal = ["--set", "operator.config.Operator.ReceiverUrl=https://lora-hooks.example.com"];

    [Fact]
    public async Task Template_ByDefault_RendersNoDashboard()
    {
        var objects = await RenderAsync(Minimal);

        Assert.DoesNotContain(objects, o => o["metadata"]!["name"]!.GetValue<string>().EndsWith("-dashboard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Template_WithAProxyInFront_RendersTheDashboardWithReadOnlyRbacIngressAndNetworkPolicy()
    {
        var objects = await RenderAsync([.. Minimal, "--set", "dashboard.enabled=true", "--set", "dashboard.config.Dashboard.Authentication=Proxy",
            "--set", "dashboard.ingress.enabled=true", "--set", "dashboard.ingress.host=lora.example.com", "--set", "dashboard.secrets.s3.name=s3-reader"]);
        var mine = objects.Where(o => o["metadata"]!["name"]!.GetValue<string>() == "lora-lora-trainer-dashboard").ToList();

        Assert.Equal(["ClusterRole", "ClusterRoleBinding", "Deployment", "Ingress", "NetworkPolicy", "Service", "ServiceAccount"],
            mine.Select(o => o["kind"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var rules = mine.Single(o => o["kind"]!.GetValue<string>() == "ClusterRole")["rules"]!.AsArray()
            .SelectMany(r => r!["resources"]!.AsArray().SelectMany(res => r["verbs"]!.AsArray().Select(v => $"{v} {res}")))
            .Order(StringComparer.Ordinal);
        Assert.Equal(["create subjectaccessreviews", "create tokenreviews", "get events", "get trainingruns", "list events", "list trainingruns", "watch events", "watch trainingruns"], rules);
        var env = mine.Single(o => o["kind"]!.GetValue<string>() == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "Dashboard__Authentication" && e["value"]!.GetValue<string>() == "Proxy");
        Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "S3__SecretAccessKey" && e["valueFrom"] is not null);
    }

    [Fact]
    public async Task Template_WithoutAuthentication_ListensOnLoopbackOnly_AndRefusesAnIngress()
    {
        var objects = await RenderAsync([.. Minimal, "--set", "dashboard.enabled=true"]);
        var deployment = objects.Single(o => o["kind"]!.GetValue<string>() == "Deployment" && o["metadata"]!["name"]!.GetValue<string>().EndsWith("-dashboard", StringComparison.Ordinal));
        var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        var refused = await HelmCli.RunAsync(await HelmCli.RequireAsync(TestContext.Current.CancellationToken),
            ["template", "lora", ChartFiles.Chart, .. Minimal, "--set", "dashboard.enabled=true", "--set", "dashboard.ingress.enabled=true", "--set", "dashboard.ingress.host=x.example.com"],
            TestContext.Current.CancellationToken);

        Assert.Contains(env, e => e!["name"]!.GetValue<string>() == "ASPNETCORE_URLS" && e["value"]!.GetValue<string>() == "http://localhost:8080");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("without authentication the dashboard answers only on localhost", refused.Errors, StringComparison.Ordinal);
    }

    private static async Task<List<JsonObject>> RenderAsync(IEnumerable<string> values)
    {
        var helm = await HelmCli.RequireAsync(TestContext.Current.CancellationToken);
        var result = await HelmCli.RunAsync(helm, ["template", "lora", ChartFiles.Chart, "--namespace", "loratrainer", .. values], TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.Errors);
        return [.. Manifests.Parse(result.Output).OfType<JsonObject>()];
    }
}
