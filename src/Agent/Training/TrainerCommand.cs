using System.Text;
using System.Text.RegularExpressions;

namespace LoraTrainer.Agent.Training;

/// <summary>
/// The trainer command line: a template split into arguments like a shell would (whitespace, double quotes),
/// then placeholders replaced inside each argument, so a path with spaces stays one argument.
/// Placeholders: <c>{sdScripts}</c>, <c>{script}</c>, <c>{scriptPath}</c>, <c>{configFile}</c>,
/// <c>{datasetConfig}</c>, <c>{mixedPrecision}</c>, <c>{workDir}</c>, <c>{numProcesses}</c> (the GPUs to train on) and
/// <c>{multiGpu}</c> (<c>--multi_gpu</c> with more than one GPU, else nothing). A word that is only a placeholder whose
/// value is empty is left out, so <c>{multiGpu}</c> leaves no empty argument behind.
/// </summary>
internal static partial class TrainerCommand
{
    /// <summary>sd-scripts under accelerate as the sd-scripts documentation launches it: one process per GPU.</summary>
    public const string DefaultTemplate =
        "accelerate launch {multiGpu} --num_processes {numProcesses} --num_machines 1 --mixed_precision {mixedPrecision} --dynamo_backend no "
        + "--num_cpu_threads_per_process 1 {scriptPath} --config_file {configFile} --dataset_config {datasetConfig}";

    /// <summary>The placeholders a template may use.</summary>
    public static readonly IReadOnlySet<string> Placeholders = new HashSet<string>(StringComparer.Ordinal)
    {
        "sdScripts", "script", "scriptPath", "configFile", "datasetConfig", "mixedPrecision", "workDir", "numProcesses", "multiGpu",
    };

    /// <summary>The values of <c>{numProcesses}</c> and <c>{multiGpu}</c> for <paramref name="gpus"/> GPUs.</summary>
    public static IEnumerable<KeyValuePair<string, string>> GpuValues(int gpus)
    {
        var processes = Math.Max(1, gpus);
        yield return new("numProcesses", processes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("multiGpu", processes > 1 ? "--multi_gpu" : "");
    }

    /// <summary>The program and its arguments.</summary>
    /// <exception cref="FormatException">The template is empty, has an unclosed quote, or names an unknown placeholder.</exception>
    public static IReadOnlyList<string> Expand(string template, IReadOnlyDictionary<string, string> values)
    {
        var words = Split(template);
        if (words.Count == 0)
        {
            throw new FormatException("The trainer command is empty.");
        }

        return words
            .Select(word => (Word: word, Expanded: Placeholder().Replace(word, match =>
            {
                var name = match.Groups[1].Value;
                if (!Placeholders.Contains(name))
                {
                    throw new FormatException($"The trainer command names an unknown placeholder {{{name}}}; known: {string.Join(", ", Placeholders.Order(StringComparer.Ordinal))}.");
                }

                return values.TryGetValue(name, out var value) ? value : throw new FormatException($"No value for {{{name}}}.");
            })))
            .Where(w => w.Expanded.Length > 0 || !Placeholder().IsMatch(w.Word))
            .Select(w => w.Expanded)
            .ToList();
    }

    /// <summary>Splits on whitespace outside double quotes; quotes are removed, <c>\"</c> is a literal quote.</summary>
    public static IReadOnlyList<string> Split(string template)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var inWord = false;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '\\' && i + 1 < template.Length && template[i + 1] == '"')
            {
                current.Append('"');
                inWord = true;
                i++;
            }
            else if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (quoted)
        {
            throw new FormatException("The trainer command has an unclosed double quote.");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    [GeneratedRegex(@"\{([A-Za-z]+)\}")]
    private static partial Regex Placeholder();
}
