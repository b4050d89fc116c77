using System.Globalization;

namespace LoraTrainer.Benchmarks.Measuring;

/// <summary>One sample of a Prometheus text exposition: a series name, its labels and its value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>What a <c>/metrics</c> endpoint answered, parsed far enough to add up series.</summary>
internal sealed class PrometheusScrape(IReadOnlyList<PrometheusSample> samples)
{
    public IReadOnlyList<PrometheusSample> Samples => samples;

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels pass <paramref name="where"/>; 0 when there is none.</summary>
    public double Sum(string name, Func<IReadOnlyDictionary<string, string>, bool>? where = null) =>
        samples.Where(s => s.Name == name && (where is null || where(s.Labels))).Sum(s => s.Value);

    /// <summary>The sums of <paramref name="name"/> grouped by the value of <paramref name="label"/>.</summary>
    public IReadOnlyDictionary<string, double> SumBy(string name, string label) =>
        samples.Where(s => s.Name == name).GroupBy(s => s.Labels.GetValueOrDefault(label) ?? "")
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal);

    /// <summary>Parses the text format: <c>name{label="value",…} value</c> lines; comments and blank lines are skipped.</summary>
    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            string name;
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                foreach (var pair in line[(brace + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var (key, value) = (pair.Split('=', 2)[0].Trim(), pair.Split('=', 2)[1].Trim().Trim('"'));
                    labels[key] = value;
                }

                space = line.IndexOf(' ', close);
            }
            else
            {
                name = line[..line.IndexOf(' ', StringComparison.Ordinal)];
                space = name.Length;
            }

            var rest = line[(space + 1)..].Trim().Split(' ')[0];
            if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                samples.Add(new PrometheusSample(name, labels, number));
            }
        }

        return new PrometheusScrape(samples);
    }
}
