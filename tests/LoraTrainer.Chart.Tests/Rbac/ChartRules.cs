using System.Text.Json.Nodes;

namespace LoraTrainer.Chart.Tests.Rbac;

/// <summary>The RBAC rules the chart grants a component, read from the chart's rbac/*.yaml files.</summary>
internal static class ChartRules
{
    public static readonly string[] OperatorFiles = ["rbac/operator-runs.yaml", "rbac/operator-cluster.yaml", "rbac/operator-leader-election.yaml"];

    public static readonly string[] ReceiverFiles = ["rbac/receiver-runs.yaml"];

    /// <summary>Every (group, resource, verb) the files grant; resourceNames narrow a grant but do not change what it is.</summary>
    public static IReadOnlySet<ApiPermission> Granted(IEnumerable<string> files) =>
        files.SelectMany(file => ChartFiles.Yaml($"{ChartFiles.Chart}/{file}").AsArray())
            .SelectMany(rule => Strings(rule, "apiGroups")
                .SelectMany(group => Strings(rule, "resources")
                    .SelectMany(resource => Strings(rule, "verbs").Select(verb => new ApiPermission(group, resource, verb)))))
            .ToHashSet();

    /// <summary>Every rule of the files, for checks of their shape.</summary>
    public static IEnumerable<JsonNode> Rules(IEnumerable<string> files) =>
        files.SelectMany(file => ChartFiles.Yaml($"{ChartFiles.Chart}/{file}").AsArray()).Select(rule => rule!);

    public static IReadOnlyList<string> Strings(JsonNode? rule, string field) =>
        rule?[field]?.AsArray().Select(value => value!.GetValue<string>()).ToList() ?? [];
}
