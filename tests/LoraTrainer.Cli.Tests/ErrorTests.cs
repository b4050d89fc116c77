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
    public async Task Stop_SetsFinishNowAsKubectlLoraAndLeavesSuspendAlone()
    {
        await using var cluster = await KubeFixture.StartAsync();
        cluster.SeedRun("anna", new() { Phase = Api.TrainingPhase.Training, Attempt = 1 });

        var result = await Plugin.RunAsync("stop", "anna", "--kubeconfig", cluster.Kubeconfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("finishing: training stops and the best epoch saved so far is kept", result.Stdout);
        var run = cluster.Kube.Get<Api.TrainingRun>("default", "anna")!;
        Assert.Equal(Api.FinishRequest.Now, run.Spec.Finish);
        Assert.NotEqual(true, run.Spec.RunPolicy?.Suspend);
        Assert.Contains(run.Metadata.ManagedFields ?? [], f => f.Manager == "kubectl-lora" && f.FieldsV1.ToString()!.Contains("f:finish", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_WithSuspend_SuspendsTheRunInstead()
    {
        await using var cluster = await KubeFixture.StartAsync();
        cluster.SeedRun("anna", new() { Phase = Api.TrainingPhase.Training, Attempt = 1 });

        var result = await Plugin.RunAsync("stop", "anna", "--suspend", "--kubeconfig", cluster.Kubeconfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        var run = cluster.Kube.Get<Api.TrainingRun>("default", "anna")!;
        Assert.True(run.Spec.RunPolicy!.Suspend);
        Assert.Null(run.Spec.Finish);
    }

    [Fact]
    public async Task Stop_WhenTheRunHasFinished_ChangesNothing()
    {
        await using var cluster = await KubeFixture.StartAsync();
        var seeded = cluster.SeedRun("anna", new() { Phase = Api.TrainingPhase.Completed, Attempt = 1 });

        var result = await Plugin.RunAsync("stop", "anna", "--kubeconfig", cluster.Kubeconfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("is already completed; nothing to stop", result.Stdout);
        var run = cluster.Kube.Get<Api.TrainingRun>("default", "anna")!;
        Assert.Null(run.Spec.Finish);
        Assert.Equal(seeded.Metadata.ResourceVersion, run.Metadata.ResourceVersion);
    }

    [Theory]
    [InlineData("watch")]
    [InlineData("describe")]
    [InlineData("download")]
    [InlineData("stop")]
    public async Task NamedRunCommands_WhenTheCrdIsNotInstalled_SayHowToInstallIt(string command)
    {
        await using var cluster = await KubeFixture.StartAsync(withCrd: false);

        var result = await Plugin.RunAsync(command, "anna", "--kubeconfig", cluster.Kubeconfig);

        AssertOneLine(result, "kubectl-lora: the TrainingRun CRD is not installed in the cluster at");
        Assert.Contains("kubectl apply -f config/crds/", result.Stderr);
    }

    [Fact]
    public async Task Describe_WhenTheRunDoesNotExist_SaysSoAndWhereToLook()
    {
        await using var cluster = await KubeFixture.StartAsync();

        var result = await Plugin.RunAsync("describe", "nobody", "--kubeconfig", cluster.Kubeconfig);

        AssertOneLine(result, "kubectl-lora: no TrainingRun nobody in namespace default");
    }

    internal static void AssertOneLine(PluginResult result, string start)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith(start, result.Stderr);
        Assert.Single(result.Stderr.TrimEnd().Split('\n'));
    }
}
