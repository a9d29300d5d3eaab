using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Kv.Cli;

/// <summary>
/// Splits an interactive command line into arguments, as redis-cli does: arguments are separated by white space;
/// double quotes group words and understand the escapes <c>\"</c>, <c>\\</c>, <c>\n</c>, <c>\r</c>, <c>\t</c>;
/// single quotes group words literally (only <c>\'</c> is an escape). A closing quote must be followed by white space
/// or the end of the line.
/// </summary>
public static class LineTokenizer
{
    /// <summary>Splits <paramref name="line"/> into arguments.</summary>
    /// <param name="line">The line typed.</param>
    /// <param name="arguments">The arguments, when the line is well formed.</param>
    /// <param name="error">Why the line is not well formed.</param>
    /// <returns>True when the line is well formed.</returns>
    public static bool TryTokenize(string line, [NotNullWhen(true)] out List<string>? arguments, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        arguments = null;
        error = null;
        var result = new List<string>();
        var current = new StringBuilder();
        var position = 0;
        while (true)
        {
            while (position < line.Length && char.IsWhiteSpace(line[position]))
            {
                position++;
            }

            if (position == line.Length)
            {
                arguments = result;
                return true;
            }

            current.Clear();
            var quote = line[position] is '"' or '\'' ? line[position++] : '\0';
            var closed = quote == '\0';
            while (position < line.Length)
            {
                var c = line[position];
                if (quote == '\0')
                {
                    if (char.IsWhiteSpace(c))
                    {
                        break;
                    }

                    current.Append(c);
                    position++;
                    continue;
                }

                position++;
                if (c == quote)
                {
                    closed = true;
                    break;
                }

                if (c == '\\' && position < line.Length)
                {
                    var next = line[position];
                    var escaped = quote == '"'
                        ? next switch { 'n' => '\n', 'r' => '\r', 't' => '\t', '"' => '"', '\\' => '\\', _ => '\0' }
                        : next == '\'' ? '\'' : '\0';
                    if (escaped != '\0')
                    {
                        current.Append(escaped);
                        position++;
                        continue;
                    }
                }

                current.Append(c);
            }

            if (!closed)
            {
                error = "unbalanced quotes";
                return false;
            }

            if (quote != '\0' && position < line.Length && !char.IsWhiteSpace(line[position]))
            {
                error = "a closing quote must be followed by a space or the end of the line";
                return false;
            }

            result.Add(current.ToString());
        }
    }
}
