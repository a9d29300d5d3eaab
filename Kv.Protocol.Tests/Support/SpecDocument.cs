using System.Text.RegularExpressions;

namespace Kv.Protocol.Tests.Support;

/// <summary>One example row of docs/protocol.md: its id and the text of its second and third cells.</summary>
internal sealed record SpecRow(string Id, string Second, string Third)
{
    public override string ToString() => Id;
}

/// <summary>
/// Reads the example tables of docs/protocol.md (copied next to the test assembly by the csproj): every table row
/// whose first cell is a backticked id starting <c>v0.</c>, <c>v1.</c> or <c>bad.</c>.
/// </summary>
internal static partial class SpecDocument
{
    private static readonly Lazy<IReadOnlyList<SpecRow>> LazyRows = new(Load);

    public static string Path => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "protocol.md");

    public static IReadOnlyList<SpecRow> Rows => LazyRows.Value;

    /// <summary>The bytes of a backticked hex cell such as <c>`00 0000 00000001 6b`</c>; throws for anything else.</summary>
    public static byte[] HexCell(SpecRow row, string cell)
    {
        var match = HexCellPattern().Match(cell);
        if (!match.Success)
        {
            throw new FormatException($"{row.Id}: expected a backticked hex cell, found '{cell}'.");
        }

        return Hex.Parse(match.Groups["hex"].Value);
    }

    /// <summary>The text of a cell that is one backticked word, such as <c>`NeedMoreData`</c>.</summary>
    public static string WordCell(SpecRow row, string cell)
    {
        var match = WordCellPattern().Match(cell);
        return match.Success ? match.Groups["word"].Value : throw new FormatException($"{row.Id}: expected a backticked word, found '{cell}'.");
    }

    private static IReadOnlyList<SpecRow> Load()
    {
        var rows = new List<SpecRow>();
        foreach (var line in File.ReadLines(Path))
        {
            var match = RowPattern().Match(line);
            if (match.Success)
            {
                rows.Add(new SpecRow(match.Groups["id"].Value, match.Groups["second"].Value.Trim(), match.Groups["third"].Value.Trim()));
            }
        }

        return rows;
    }

    [GeneratedRegex(@"^\|\s*`(?<id>(?:v0|v1|bad)\.[^`]+)`\s*\|(?<second>[^|]*)\|(?<third>[^|]*)\|\s*$")]
    private static partial Regex RowPattern();

    [GeneratedRegex(@"^`(?<hex>(?:[0-9a-f]{2}| )+)`$")]
    private static partial Regex HexCellPattern();

    [GeneratedRegex(@"^`(?<word>[A-Za-z]+)`$")]
    private static partial Regex WordCellPattern();
}
