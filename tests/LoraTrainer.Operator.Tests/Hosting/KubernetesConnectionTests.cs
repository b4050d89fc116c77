using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LoraTrainer.Cluster;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Operator.Tests.Hosting;

/// <summary>What the operator says, in one line, when it has no usable cluster; and that it says nothing when it has one.</summary>
public sealed class KubernetesConnectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("loratrainer-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task CheckAsync_WithAKubeconfigThatDoesNotExist_SaysNoClusterIsConfigured()
    {
        var missing = Path.Combine(_dir, "nope.yaml");

        var problem = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(missing), TestContext.Current.CancellationToken);

        Assert.NotNull(problem);
        Assert.StartsWith("no Kubernetes cluster configured: ", problem, StringComparison.Ordinal);
        Assert.EndsWith("Set KUBECONFIG or run it inside a cluster.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_WithAKubeconfigThatIsNotYaml_SaysTheFileCannotBeRead()
    {
        var broken = Path.Combine(_dir, "broken.yaml");
        await File.WriteAllTextAsync(broken, "apiVersion: v1\nclusters: [\n  - name: {{{\n", TestContext.Current.CancellationToken);

        var problem = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(broken), TestContext.Current.CancellationToken);

        Assert.NotNull(problem);
        Assert.StartsWith("cannot read the kubeconfig: ", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public async Task CheckAsync_WithAServerThatIsNotListening_SaysItCannotReachIt()
    {
        var port = ClosedPort();
        var kubeconfig = Path.Combine(_dir, "closed.yaml");
        await File.WriteAllTextAsync(kubeconfig, Kubeconfig($"http://127.0.0.1:{port}"), TestContext.Current.CancellationToken);

        var problem = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(kubeconfig), TestContext.Current.CancellationToken);

        Assert.NotNull(problem);
        Assert.StartsWith($"cannot reach the Kubernetes API server at http://127.0.0.1:{port}", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_WithAClusterWithoutTheCrd_SaysHowToInstallIt_AndWithItSaysNothing()
    {
        await using var kube = await FakeKubeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var kubeconfig = await kube.WriteKubeconfigAsync(Path.Combine(_dir, "fake.yaml"), cancellationToken: TestContext.Current.CancellationToken);

        var withoutCrd = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(kubeconfig), TestContext.Current.CancellationToken);
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        var withCrd = await KubernetesConnection.CheckAsync(() => KubernetesConnection.LoadConfiguration(kubeconfig), TestContext.Current.CancellationToken);

        Assert.NotNull(withoutCrd);
        Assert.StartsWith($"the TrainingRun CRD is not installed in the cluster at http://127.0.0.1:{kube.Port}", withoutCrd, StringComparison.Ordinal);
        Assert.EndsWith(": kubectl apply -f config/crds/", withoutCrd, StringComparison.Ordinal);
        Assert.Null(withCrd);
    }

    [Fact]
    public async Task TheOperatorProcess_WithoutACluster_ExitsWithOneLineAndNoStackTrace()
    {
        var operatorDll = Path.Combine(AppContext.BaseDirectory, "LoraTrainer.Operator.dll");
        var start = new ProcessStartInfo("dotnet", [operatorDll])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = _dir,
        };
        start.Environment["KUBECONFIG"] = Path.Combine(_dir, "missing-config");
        start.Environment["HOME"] = _dir;
        // Valid settings: they are checked first, and this test is about the cluster.
        start.Environment["Operator__ReceiverUrl"] = "https://lora-hooks.example.com";
        start.Environment["Vast__ApiKey"] = "not-a-real-key";
        start.Environment["S3__Region"] = "us-east-1";

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, process.ExitCode);
        Assert.Equal("", (await stdout).Trim());
        var line = Assert.Single(lines);
        Assert.StartsWith("loratrainer-operator: no Kubernetes cluster configured: ", line, StringComparison.Ordinal);
    }

    private static string Kubeconfig(string server) => $"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: c
            cluster: {"{"} server: {server} {"}"}
        users:
          - name: u
            user: {"{"} token: not-a-real-token {"}"}
        contexts:
          - name: x
            context: {"{"} cluster: c, user: u {"}"}
        current-context: x
        """;

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
