namespace ServerlessAuth.Admin;

/// <summary>
/// Columns as wide as their widest cell plus two spaces, so a long value never runs into the next
/// column (fixed widths did: a long audit detail ran into the user agent). The last column is not padded.
/// </summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public int Count => _rows.Count;

    public void Add(params string?[] cells) => _rows.Add([.. cells.Select(c => c ?? "")]);

    public void WriteTo(TextWriter output)
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        foreach (var row in _rows.Prepend(headers))
        {
            var cells = row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i] + 2));
            output.WriteLine(string.Concat(cells).TrimEnd());
        }
    }
}
