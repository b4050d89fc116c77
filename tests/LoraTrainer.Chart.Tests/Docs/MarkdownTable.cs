namespace LoraTrainer.Chart.Tests.Docs;

/// <summary>One table of a Markdown page: its header cells and its rows, every cell trimmed.</summary>
internal sealed record MarkdownTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>Every table of <paramref name="markdown"/>: a header line, a <c>|---</c> line, then rows until a line that is not one.</summary>
    public static IReadOnlyList<MarkdownTable> All(string markdown)
    {
        var lines = markdown.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        var tables = new List<MarkdownTable>();
        for (var i = 0; i + 1 < lines.Count; i++)
        {
            if (!lines[i].StartsWith('|') || !lines[i + 1].StartsWith("|---", StringComparison.Ordinal))
            {
                continue;
            }

            var header = Cells(lines[i]);
            var rows = new List<IReadOnlyList<string>>();
            for (i += 2; i < lines.Count && lines[i].StartsWith('|'); i++)
            {
                rows.Add(Cells(lines[i]));
            }

            tables.Add(new MarkdownTable(header, rows));
        }

        return tables;
    }

    /// <summary>The cell of <paramref name="row"/> under the header <paramref name="column"/>, or null when the table has no such column.</summary>
    public string? Cell(IReadOnlyList<string> row, string column)
    {
        var index = Header.ToList().FindIndex(h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase));
        return index >= 0 && index < row.Count ? row[index] : null;
    }

    private static IReadOnlyList<string> Cells(string line) =>
        [.. line.Trim().Trim('|').Split('|').Select(cell => cell.Trim())];
}
