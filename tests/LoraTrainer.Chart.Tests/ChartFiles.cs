using LoraTrainer.Cluster;
using System.Text.Json.Nodes;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Chart.Tests;

/// <summary>The chart and docs files the tests read, by their path in the repository.</summary>
internal static class ChartFiles
{
    public const string Chart = "charts/lora-trainer";

    public static string PathOf(string relative) => RepositoryRoot.Combine(relative.Split('/'));

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>The chart's values.yaml as JSON, the way Helm reads it.</summary>
    public static JsonObject DefaultValues() => Manifests.Parse(Read($"{Chart}/values.yaml")).Single();

    public static JsonNode Yaml(string relative) => Manifests.Documents(Read(relative)).Single();
}
