using k8s;
using LoraTrainer.Testing.Commands;

namespace LoraTrainer.Testing.Tests.Commands;

public sealed class KubeApiCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kube-api-command-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KubeApi_OnPortZero_SeedsFoldersRecursivelyCrdsFirst_AndWritesAKubeconfigTheClientUses()
    {
        // The run sorts before its CRD by path, so it is only accepted if CRDs really are seeded first.
        WriteSeed(Path.Combine("a-runs", "minimal.yaml"), File.ReadAllText(RepositoryRoot.Combine("config", "samples", "trainingrun-minimal.yaml")));
        WriteSeed(Path.Combine("z-crds", "nested", "crd.yaml"), File.ReadAllText(RepositoryRoot.Combine("config", "crds", "loratrainer.io_trainingruns.yaml")));
        var kubeconfig = Path.Combine(_folder, "out", "fake.kubeconfig");
        await using var command = RunningCommand.Start("kube-api", "--port", "0", "--quiet", "--kubeconfig", kubeconfig, "--seed", Path.Combine(_folder, "seed"));

        var url = await command.WaitUntilListeningAsync();
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var version = await client.Version.GetCodeAsync(Ct);
        var runs = await client.CustomObjects.ListNamespacedCustomObjectAsync("loratrainer.io", "v1alpha1", "default", "trainingruns", cancellationToken: Ct);

        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(0, url.Port);
        Assert.False(string.IsNullOrEmpty(version.GitVersion));
        Assert.Equal(["minimal"], ToJson(runs)["items"]!.AsArray().Select(r => r!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Contains($"seeded 2 object(s) from {Path.Combine(_folder, "seed")}", command.Output.Text);
        Assert.Equal(0, await command.StopAsync());
    }

    [Fact]
    public async Task KubeApi_SeedingAnObjectWithoutAName_FailsWithOneLineNamingTheFile()
    {
        var file = WriteSeed("secret.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: fine
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              namespace: default
            """);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await TestKitCli.RunAsync(["kube-api", "--port", "0", "--seed", file], output, error, Ct);

        Assert.Equal(1, code);
        Assert.Equal($"kube-api: cannot seed {file} (document 2, Secret): the Secret has no metadata.name; a seeded object needs one", error.ToString().TrimEnd());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteSeed(string relative, string content)
    {
        var path = Path.Combine(_folder, "seed", relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    // The client's custom-object calls answer a JsonElement, which its generated JSON metadata does not list.
    private static System.Text.Json.Nodes.JsonObject ToJson(object value) =>
        System.Text.Json.Nodes.JsonObject.Create((System.Text.Json.JsonElement)value)!;
}
