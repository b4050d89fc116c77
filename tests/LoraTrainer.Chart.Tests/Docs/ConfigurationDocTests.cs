using System.Text.Json.Nodes;

namespace LoraTrainer.Chart.Tests.Docs;

public sealed class ConfigurationDocTests
{
    private const string Doc = "docs/configuration.md";

    // Kubernetes objects passed through whole: documented as one value, not key by key.
    private static readonly HashSet<string> WholeObjects = ["podSecurityContext", "containerSecurityContext", "resources"];

    [Fact]
    public void ConfigurationDoc_DescribesEveryValue()
    {
        var documented = MarkdownTables.FirstCells(ChartFiles.Read(Doc)).Select(cell => cell.Trim('`')).ToHashSet();

        var missing = Leaves(ChartFiles.DefaultValues(), "").Where(path => !documented.Contains(path)).ToList();

        Assert.True(missing.Count == 0, $"{Doc} has no row for these values of values.yaml: {string.Join(", ", missing)}");
    }

    [Fact]
    public void ConfigurationDoc_DescribesNoValueTheChartDoesNotHave()
    {
        var values = ChartFiles.DefaultValues();
        var known = Leaves(values, "").ToHashSet();

        var stale = MarkdownTables.FirstCells(ChartFiles.Read(Doc)).Select(cell => cell.Trim('`'))
            .Where(path => !path.Contains('_', StringComparison.Ordinal) && path.Split('.')[0] is var root && values.ContainsKey(root))
            .Where(path => !known.Contains(path))
            .ToList();

        Assert.True(stale.Count == 0, $"{Doc} describes values that values.yaml does not have: {string.Join(", ", stale)}");
    }

    private static IEnumerable<string> Leaves(JsonObject node, string prefix)
    {
        foreach (var (key, value) in node)
        {
            var path = prefix.Length == 0 ? key : $"{prefix}.{key}";
            if (value is JsonObject map && map.Count > 0 && !WholeObjects.Contains(key))
            {
                foreach (var leaf in Leaves(map, path))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}
