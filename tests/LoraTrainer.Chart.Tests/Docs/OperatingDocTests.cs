using System.Text.RegularExpressions;

namespace LoraTrainer.Chart.Tests.Docs;

public sealed partial class OperatingDocTests
{
    private const string Doc = "docs/operating.md";

    [Fact]
    public void OperatingDoc_NamesEveryMetricTheProcessesExport()
    {
        var documented = MarkdownTables.CodeSpans(ChartFiles.Read(Doc));

        var metrics = ExportedMetrics().ToList();
        var missing = metrics.Where(metric => !documented.Contains(metric)).ToList();

        Assert.NotEmpty(metrics);
        Assert.True(missing.Count == 0, $"{Doc} does not list these metrics: {string.Join(", ", missing)}");
    }

    [Fact]
    public void SuggestedAlerts_UseOnlyMetricsTheProcessesExport()
    {
        var exported = ExportedMetrics().ToList();
        var alerts = ChartFiles.Read(Doc);

        var unknown = MetricReference().Matches(alerts).Select(match => match.Value)
            .Select(name => Regex.Replace(name, "_(bucket|sum|count)$", ""))
            .Where(name => !exported.Contains(name))
            .Distinct()
            .ToList();

        Assert.True(unknown.Count == 0, $"{Doc} refers to metrics nobody exports: {string.Join(", ", unknown)}");
    }

    /// <summary>
    /// The Prometheus names declared in src/**/*Metrics.cs through prometheus-net's <c>Metrics.Create…</c>, or the
    /// same calls on a factory for a given registry (<c>Metrics.WithCustomRegistry(r)</c>, held as <c>metrics</c>).
    /// </summary>
    private static IEnumerable<string> ExportedMetrics() =>
        Directory.GetFiles(ChartFiles.PathOf("src"), "*Metrics.cs", SearchOption.AllDirectories)
            .SelectMany(file => Instrument().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value));

    [GeneratedRegex("[Mm]etrics\\.Create(?:Counter|Histogram|Gauge|Summary)\\(\\s*\"([a-z0-9_]+)\"")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"\bloratrainer_[a-z0-9_]+")]
    private static partial Regex MetricReference();
}
