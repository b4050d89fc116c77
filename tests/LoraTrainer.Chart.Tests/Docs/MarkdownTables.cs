using System.Text.RegularExpressions;

namespace LoraTrainer.Chart.Tests.Docs;

/// <summary>Reads what the docs state: the rows of their tables and the code spans in their text.</summary>
internal static partial class MarkdownTables
{
    /// <summary>The first cell of every table row (header and separator rows excluded).</summary>
    public static IEnumerable<string> FirstCells(string markdown) =>
        markdown.Split('\n')
            .Where(line => line.StartsWith('|') && !line.StartsWith("|---", StringComparison.Ordinal))
            .Select(line => line.Split('|')[1].Trim())
            .Where(cell => cell.StartsWith('`'));

    /// <summary>
    /// A documented message as a pattern: the text between the backticks, with every <c>&lt;name&gt;</c> standing
    /// for any value.
    /// </summary>
    public static Regex MessagePattern(string cell)
    {
        var text = cell.Trim('`');
        var parts = Placeholder().Split(text).Select(Regex.Escape);
        return new Regex("^" + string.Join(".+", parts) + "$", RegexOptions.Singleline);
    }

    /// <summary>The cells of one column of the tables under a heading, up to the next heading.</summary>
    public static IEnumerable<string> Column(string markdown, string heading, int column)
    {
        var section = markdown[(markdown.IndexOf(heading, StringComparison.Ordinal) + heading.Length)..];
        var end = section.IndexOf("\n#", StringComparison.Ordinal);
        return section[..(end < 0 ? section.Length : end)].Split('\n')
            .Where(line => line.StartsWith('|') && !line.StartsWith("|---", StringComparison.Ordinal))
            .Skip(1)
            .Select(line => line.Split('|')[column].Trim());
    }

    /// <summary>The fixed text of a documented message: what is left without its placeholders.</summary>
    public static string Literal(string cell) => Placeholder().Replace(cell.Trim('`'), "");

    /// <summary>Every code span (<c>`...`</c>) in the text.</summary>
    public static IReadOnlySet<string> CodeSpans(string markdown) =>
        CodeSpan().Matches(markdown).Select(match => match.Groups[1].Value).ToHashSet();

    [GeneratedRegex("<[^<>]+>")]
    private static partial Regex Placeholder();

    [GeneratedRegex("`([^`\n]+)`")]
    private static partial Regex CodeSpan();
}
