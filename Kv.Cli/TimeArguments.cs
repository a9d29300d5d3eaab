using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Kv.CommandLine;

namespace Kv.Cli;

/// <summary>
/// The time options of the expiry commands: <c>--ttl DURATION</c> (<see cref="ToolOptions.Duration"/>: <c>10s</c>,
/// <c>500ms</c>, <c>5m</c>, <c>1h</c>, a plain number is seconds) and <c>--at TIME</c> (a Unix time in milliseconds, or
/// an ISO 8601 time; without an offset, UTC).
/// </summary>
public static class TimeArguments
{
    /// <summary>Reads <c>--at</c>: a Unix time in milliseconds, or an ISO 8601 time such as <c>2026-12-31T23:00:00Z</c>.</summary>
    /// <param name="text">What was typed.</param>
    /// <param name="value">The time.</param>
    /// <param name="expected">What the option takes, for the message.</param>
    public static bool TryParseTime(string text, out DateTimeOffset value, out string expected)
    {
        ArgumentNullException.ThrowIfNull(text);
        expected = "a Unix time in milliseconds or an ISO 8601 time such as 2026-12-31T23:00:00Z";
        value = default;
        var trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(char.IsAsciiDigit))
        {
            if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
                || milliseconds > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            {
                return false;
            }

            value = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            return true;
        }

        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    /// <summary><c>--ttl DURATION</c>, more than zero.</summary>
    /// <param name="description">What it does.</param>
    public static Option<TimeSpan?> Ttl(string description)
    {
        var option = ToolOptions.Value("--ttl", description, Optional(ToolOptions.Duration(TimeSpan.FromMilliseconds(1))), null);
        option.HelpName = "DURATION";
        return option;
    }

    /// <summary><c>--at TIME</c>.</summary>
    /// <param name="description">What it does.</param>
    public static Option<DateTimeOffset?> At(string description)
    {
        var option = ToolOptions.Value("--at", description, Optional<DateTimeOffset>(TryParseTime), null);
        option.HelpName = "TIME";
        return option;
    }

    /// <summary>A <c>DURATION</c> argument, zero or more, that may be left out.</summary>
    /// <param name="description">What it is.</param>
    public static Argument<TimeSpan?> DurationArgument(string description)
    {
        var parse = ToolOptions.Duration(TimeSpan.Zero);
        return new Argument<TimeSpan?>("DURATION")
        {
            Description = description,
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (parse(text, out var value, out var expected))
                {
                    return value;
                }

                result.AddError($"DURATION must be {expected}, not '{text}'.");
                return null;
            },
        };
    }

    /// <summary>Adds a parse error when more than one of <paramref name="options"/> was given.</summary>
    /// <param name="result">The command's parse result.</param>
    /// <param name="options">Options that exclude each other.</param>
    public static void Exclusive(CommandResult result, params Option[] options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(options);
        var given = options.Where(option => result.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
        if (given.Count > 1)
        {
            result.AddError($"{string.Join(" and ", given)} cannot be combined.");
        }
    }

    private static ValueParser<T?> Optional<T>(ValueParser<T> parser)
        where T : struct => (string text, out T? value, out string expected) =>
    {
        var ok = parser(text, out var parsed, out expected);
        value = ok ? parsed : null;
        return ok;
    };
}
