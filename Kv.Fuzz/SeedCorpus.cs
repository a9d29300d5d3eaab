using System.Text.RegularExpressions;
using Kv.Protocol;

namespace Kv.Fuzz;

/// <summary>
/// The seed corpus: every backticked hex example in docs/protocol.md (requests, responses and bad input alike), one
/// file each, plus the request examples concatenated into one pipelined stream.
/// </summary>
public static partial class SeedCorpus
{
    public static int Write(string protocolMarkdown, string directory)
    {
        Directory.CreateDirectory(directory);
        var examples = new List<(string Id, byte[] Bytes)>();
        foreach (var line in File.ReadLines(protocolMarkdown))
        {
            var row = Row().Match(line);
            if (!row.Success)
            {
                continue;
            }

            // The example's bytes are the row's last backticked hex (a message cell may quote bytes too).
            var cells = HexCell().Matches(line);
            if (cells.Count > 0)
            {
                var hex = cells[^1].Groups["hex"].Value.Replace(" ", "", StringComparison.Ordinal);
                examples.Add((row.Groups["id"].Value, Convert.FromHexString(hex)));
            }
        }

        var written = 0;
        foreach (var (id, bytes) in examples)
        {
            File.WriteAllBytes(Path.Combine(directory, id), bytes);
            written++;
        }

        // A pipeline of every well-formed request example, so the connection harness starts from a long stream.
        var requests = examples.Where(e => e.Id is ['v', _, '.', ..] && e.Bytes.Length > 3 && e.Bytes[1] == 0 && CommandTable.Find((CommandKind)e.Bytes[2]) is not null
            && !e.Id.Contains("ok", StringComparison.Ordinal) && !e.Id.Contains("reply", StringComparison.Ordinal)
            && !e.Id.Contains("error", StringComparison.Ordinal) && !e.Id.Contains("not-found", StringComparison.Ordinal));
        File.WriteAllBytes(Path.Combine(directory, "pipeline.requests"), requests.SelectMany(e => e.Bytes).ToArray());
        return written + 1;
    }

    [GeneratedRegex(@"^\|\s*`(?<id>(?:v0|v1|bad)\.[^`]+)`\s*\|")]
    private static partial Regex Row();

    [GeneratedRegex(@"`(?<hex>[0-9a-f]{2}(?:[0-9a-f]{2}| )*)`")]
    private static partial Regex HexCell();
}
