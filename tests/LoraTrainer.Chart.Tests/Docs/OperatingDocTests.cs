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
    /// The Prometheus names of the instruments in src/**/*Metrics.cs: prometheus-net's meter bridge prefixes each
    /// instrument's name with its meter's name, lower-cased with dots as underscores.
    /// </summary>
    private static IEnumerable<string> ExportedMetrics()
    {
        foreach (var file in Directory.GetFiles(ChartFiles.PathOf("src"), "*Metrics.cs", SearchOption.AllDirectories))
        {
            var source = File.ReadAllText(file);
            var meter = MeterName().Match(source);
            if (!meter.Success)
            {
                continue;
            }

            var prefix = meter.Groups[1].Value.ToLowerInvariant().Replace('.', '_');
            foreach (Match instrument in Instrument().Matches(source))
            {
                yield return $"{prefix}_{instrument.Groups[1].Value}";
            }
        }
    }

    [GeneratedRegex("""MeterName = "([^"]+)";""")]
    private static partial Regex MeterName();

    [GeneratedRegex("Create(?:Counter|Histogram|ObservableGauge|Gauge|UpDownCounter|ObservableCounter)(?:<\\w+>)?\\(\"([a-z0-9_]+)\"")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"\bloratrainer_[a-z0-9_]+")]
    private static partial Regex MetricReference();
}
