using System.Text.RegularExpressions;
using LoraTrainer.Testing;

namespace LoraTrainer.Operator.Tests;

/// <summary>
/// docs/troubleshooting.md as a list of message patterns: the first cell of every table row, written in backticks,
/// with each <c>&lt;name&gt;</c> standing for any value. Tests that check a message a user reads also check it is there.
/// </summary>
internal static partial class TroubleshootingDoc
{
    private static readonly Lazy<IReadOnlyList<Regex>> Patterns = new(Read);

    /// <summary>Fails unless a row of the doc explains <paramref name="message"/>.</summary>
    public static void AssertExplains(string? message)
    {
        Assert.NotNull(message);
        Assert.True(Patterns.Value.Any(p => p.IsMatch(message)),
            $"docs/troubleshooting.md has no row for \"{message}\": add one to the table of the part that writes it, with <name> for each value.");
    }

    private static IReadOnlyList<Regex> Read() =>
    [
        .. File.ReadAllLines(RepositoryRoot.Combine("docs", "troubleshooting.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|')[1].Trim().Trim('`'))
            .Select(text => new Regex("^" + string.Join(".+", Placeholder().Split(text).Select(Regex.Escape)) + "$", RegexOptions.Singleline)),
    ];

    [GeneratedRegex("<[^<>]+>")]
    private static partial Regex Placeholder();
}
