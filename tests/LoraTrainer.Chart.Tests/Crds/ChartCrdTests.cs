using LoraTrainer.Cluster;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Chart.Tests.Crds;

public sealed class ChartCrdTests
{
    private const string Generated = "config/crds";
    private const string Copied = ChartFiles.Chart + "/crds";

    [Fact]
    public void ChartCrds_AreExactCopiesOfTheGeneratedCrds()
    {
        var generated = Directory.GetFiles(ChartFiles.PathOf(Generated), "*.yaml").Select(Path.GetFileName).Order().ToList();
        var copied = Directory.GetFiles(ChartFiles.PathOf(Copied), "*.yaml").Select(Path.GetFileName).Order().ToList();

        Assert.True(generated.SequenceEqual(copied), $"{Copied} must hold the same files as {Generated}. Refresh it: rm {Copied}/*.yaml && cp {Generated}/*.yaml {Copied}/");
        Assert.All(generated, name => Assert.True(
            ChartFiles.Read($"{Generated}/{name}") == ChartFiles.Read($"{Copied}/{name}"),
            $"{Copied}/{name} differs from {Generated}/{name} (regenerated from src/Api). Refresh both: dotnet run --project tools/CrdGen"));
    }

    [Fact]
    public void ChartCrd_DefinesTheTrainingRunTheOperatorReconciles()
    {
        var crd = ChartFiles.Yaml($"{Copied}/loratrainer.io_trainingruns.yaml");

        Assert.Equal("CustomResourceDefinition", crd["kind"]!.GetValue<string>());
        Assert.Equal($"{Api.TrainingRun.Plural}.{Api.TrainingRun.Group}", crd["metadata"]!["name"]!.GetValue<string>());
        Assert.Contains(Manifests.Documents(ChartFiles.Read($"{ChartFiles.Chart}/rbac/operator-cluster.yaml")).Single()[0]!["resourceNames"]!.AsArray(),
            name => name!.GetValue<string>() == crd["metadata"]!["name"]!.GetValue<string>());
    }
}
