using System.Net;
using System.Net.Sockets;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.World;

namespace LoraTrainer.Cli.Tests;

/// <summary>Each problem a user can fix is one line on stderr saying what to do, with exit code 2.</summary>
public sealed class ErrorTests
{
    [Fact]
    public async Task List_WhenNoClusterAnswers_SaysToCheckTheContext()
    {
        using var folder = new TempFolder();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var kubeconfig = folder.Write("kubeconfig", System.Text.Encoding.UTF8.GetBytes(Kubeconfig.For(new Uri($"http://127.0.0.1:{port}"), "default", "token")));

        var result = await Plugin.RunAsync("list", "--kubeconfig", kubeconfig);

        AssertOneLine(result, $"kubectl-lora: cannot reach the Kubernetes API server at http://127.0.0.1:{port}");
        Assert.Contains("kubectl config current-context", result.Stderr);
    }

    [Fact]
    public async Task List_WhenTheCrdIsNotInstalled_SaysHowToInstallIt()
    {
        await using var cluster = await KubeFixture.StartAsync(withCrd: false);

        var result = await Plugin.RunAsync("list", "--kubeconfig", cluster.Kubeconfig);

        AssertOneLine(result, "kubectl-lora: the TrainingRun CRD is not installed in the cluster at");
        Assert.Contains("kubectl apply -f config/crds/", result.Stderr);
    }

    [Fact]
    public async Task Stop_WhenRbacForbidsIt_SaysWhichPermissionToAskFor()
    {
        await using var cluster = await KubeFixture.StartAsync();
        cluster.SeedRun("anna", new());
        cluster.Kube.FailNextRequests("PATCH", "/apis/loratrainer.io/v1alpha1/namespaces/default/trainingruns/anna", 1, 403);

        var result = await Plugin.RunAsync("stop", "anna", "--kubeconfig", cluster.Kubeconfig);

        AssertOneLine(result, "kubectl-lora: forbidden: your user may not patch trainingruns in namespace default");
        Assert.Contains("ask a cluster admin for a Role", result.Stderr);
    }

    [Fact]
    public async Task Stop_SuspendsTheRunUntilFinishExists()
    {
        await using var cluster = await KubeFixture.StartAsync();
        cluster.SeedRun("anna", new());

        var result = await Plugin.RunAsync("stop", "anna", "--kubeconfig", cluster.Kubeconfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(cluster.Kube.Get<Api.TrainingRun>("default", "anna")!.Spec.RunPolicy!.Suspend);
    }

    internal static void AssertOneLine(PluginResult result, string start)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith(start, result.Stderr);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
    }
}
