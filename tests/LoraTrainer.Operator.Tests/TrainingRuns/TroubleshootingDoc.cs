using System.Text.RegularExpressions;
using LoraTrainer.Testing;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

/// <summary>The messages docs/troubleshooting.md explains (the first cell of its table rows), so a test can hold what it saw written against them.</summary>
internal static partial class TroubleshootingDoc
{
    private static readonly Lazy<IReadOnlyList<Regex>> Documented = new(Read);

    /// <summary>Fails unless a documented message matches <paramref name="message"/> whole, each <c>&lt;name&gt;</c> standing for any value.</summary>
    public static void AssertDocumented(string message) =>
        Assert.True(Documented.Value.Any(pattern => pattern.IsMatch(message)), $"docs/troubleshooting.md has no row for \"{message}\"");

    private static IReadOnlyList<Regex> Read() =>
    [
        .. File.ReadLines(RepositoryRoot.Combine("docs", "troubleshooting.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal) && line.Contains("` |", StringComparison.Ordinal))
            .Select(line => line[3..line.IndexOf("` |", StringComparison.Ordinal)])
            .Select(cell => new Regex($"^{string.Join(".+", Placeholder().Split(cell).Select(Regex.Escape))}$", RegexOptions.Singleline)),
    ];

    [GeneratedRegex("<[^<>]+>")]
    private static partial Regex Placeholder();
}
