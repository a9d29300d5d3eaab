using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Kv.CommandLine;

/// <summary>Reads an option's text; false with what it takes (for the message) when the text is not valid.</summary>
/// <typeparam name="T">The option's type.</typeparam>
public delegate bool ValueParser<T>(string text, out T value, out string expected);

/// <summary>
/// Options of the three tools: each may fall back to an environment variable, then to a default; a bad value, on the
/// command line or in the environment, is a parse error that names the option (or the variable), says what it takes and
/// quotes what it got: <c>--port must be a whole number from 0 to 65535, not 'abc'</c>.
/// </summary>
public static class ToolOptions
{
    /// <summary>Creates an option with a value.</summary>
    /// <param name="name">The option, <c>--port</c>.</param>
    /// <param name="description">What it does (the help adds the variable's name and the default).</param>
    /// <param name="parser">Reads and checks a value.</param>
    /// <param name="defaultValue">The value when neither the option nor the variable is given.</param>
    /// <param name="environmentVariable">The variable it falls back to, or null.</param>
    /// <param name="environment">Reads a variable; the process's environment when null.</param>
    /// <param name="aliases">Other names, <c>-p</c>.</param>
    public static Option<T> Value<T>(string name, string description, ValueParser<T> parser, T defaultValue, string? environmentVariable = null, Func<string, string?>? environment = null, params string[] aliases)
    {
        ArgumentNullException.ThrowIfNull(parser);
        var read = environment ?? Environment.GetEnvironmentVariable;
        var option = new Option<T>(name, aliases)
        {
            Description = environmentVariable is null ? description : $"{description} ({environmentVariable})",
            CustomParser = result => Parse(result, name, result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty, parser, defaultValue),
            DefaultValueFactory = result =>
                environmentVariable is not null && read(environmentVariable) is { Length: > 0 } text
                    ? Parse(result, environmentVariable, text, parser, defaultValue)
                    : defaultValue,
        };
        return option;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static ValueParser<int> Int(int min, int max) => (string text, out int value, out string expected) =>
    {
        expected = max == int.MaxValue ? $"a whole number, {min.ToString(CultureInfo.InvariantCulture)} or more" : $"a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    };

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static ValueParser<long> Long(long min, long max) => (string text, out long value, out string expected) =>
    {
        expected = max == long.MaxValue ? $"a whole number, {min.ToString(CultureInfo.InvariantCulture)} or more" : $"a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    };

    /// <summary>
    /// A size in bytes, plain or with a unit as Redis writes them (case does not matter): <c>k</c>, <c>m</c>, <c>g</c>
    /// are powers of 1,000 and <c>kb</c>, <c>mb</c>, <c>gb</c> (or <c>kib</c>, <c>mib</c>, <c>gib</c>) powers of 1,024.
    /// </summary>
    public static ValueParser<long> Size(long min) => (string text, out long value, out string expected) =>
    {
        expected = $"a size in bytes, or with a unit such as 512mb or 4gb, {min.ToString(CultureInfo.InvariantCulture)} bytes or more";
        return TryParseSize(text, out value) && value >= min;
    };

    /// <summary>Parses a size as <see cref="Size"/> takes it.</summary>
    public static bool TryParseSize(string text, out long value)
    {
        value = 0;
        var trimmed = text.Trim().ToLowerInvariant();
        var digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(trimmed.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        long unit = trimmed[digits..] switch
        {
            "" or "b" => 1,
            "k" => 1000,
            "kb" or "kib" => 1024,
            "m" => 1000 * 1000,
            "mb" or "mib" => 1024 * 1024,
            "g" => 1000 * 1000 * 1000,
            "gb" or "gib" => 1024L * 1024 * 1024,
            "t" => 1000L * 1000 * 1000 * 1000,
            "tb" or "tib" => 1024L * 1024 * 1024 * 1024,
            _ => 0,
        };
        if (unit == 0 || number > long.MaxValue / unit)
        {
            return false;
        }

        value = number * unit;
        return true;
    }

    /// <summary>
    /// A duration, plain (seconds) or with a unit, case ignored: <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> or <c>d</c>
    /// (<c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>, <c>1.5s</c>), from <paramref name="min"/> up.
    /// </summary>
    public static ValueParser<TimeSpan> Duration(TimeSpan min) => (string text, out TimeSpan value, out string expected) =>
    {
        expected = min == TimeSpan.Zero
            ? "a duration such as 500ms, 10s, 5m or 1h (a plain number is seconds)"
            : $"a duration such as 500ms, 10s, 5m or 1h (a plain number is seconds), at least {FormatDuration(min)}";
        return TryParseDuration(text, out value) && value >= min;
    };

    /// <summary>Parses a duration as <see cref="Duration"/> takes it: a number (decimals allowed), then a unit or none (seconds).</summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        ArgumentNullException.ThrowIfNull(text);
        value = TimeSpan.Zero;
        var trimmed = text.Trim().ToLowerInvariant();
        var digits = 0;
        while (digits < trimmed.Length && (char.IsAsciiDigit(trimmed[digits]) || trimmed[digits] == '.'))
        {
            digits++;
        }

        if (digits == 0 || !decimal.TryParse(trimmed.AsSpan(0, digits), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        decimal unit = trimmed[digits..] switch
        {
            "ms" => TimeSpan.TicksPerMillisecond,
            "" or "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            "h" => TimeSpan.TicksPerHour,
            "d" => TimeSpan.TicksPerDay,
            _ => 0,
        };
        if (unit == 0 || number > TimeSpan.MaxValue.Ticks / unit)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)(number * unit));
        return true;
    }

    /// <summary>
    /// A duration for people, in days, hours, minutes and seconds with milliseconds, leaving out the units that are
    /// zero: <c>1d 2h 3m 4.567s</c>, <c>5m</c>, <c>9.998s</c>, <c>0s</c>. Each part is one that <see cref="Duration"/> reads.
    /// </summary>
    public static string FormatDuration(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "-" + FormatDuration(value.Duration());
        }

        var parts = new List<string>(4);
        var milliseconds = (long)value.TotalMilliseconds;
        foreach (var (size, unit) in new[] { (TimeSpan.MillisecondsPerDay, "d"), (TimeSpan.MillisecondsPerHour, "h"), (TimeSpan.MillisecondsPerMinute, "m") })
        {
            if (milliseconds >= size)
            {
                parts.Add($"{(milliseconds / size).ToString(CultureInfo.InvariantCulture)}{unit}");
                milliseconds %= size;
            }
        }

        if (milliseconds > 0 || parts.Count == 0)
        {
            parts.Add($"{(milliseconds / 1000m).ToString("0.###", CultureInfo.InvariantCulture)}s");
        }

        return string.Join(' ', parts);
    }

    /// <summary>A TCP port: 0 to 65535 when 0 (a free port) is allowed, otherwise 1 to 65535.</summary>
    public static ValueParser<int> Port(bool allowZero) => Int(allowZero ? 0 : 1, 65535);

    /// <summary>A number (decimals allowed) from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static ValueParser<double> Number(double min, double max) => (string text, out double value, out string expected) =>
    {
        expected = double.IsPositiveInfinity(max) ? $"a number, {min.ToString(CultureInfo.InvariantCulture)} or more" : $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) && value >= min && value <= max;
    };

    /// <summary>One of <paramref name="choices"/>, in any case; the value is the choice as written here.</summary>
    public static ValueParser<string> OneOf(params string[] choices) => (string text, out string value, out string expected) =>
    {
        expected = choices.Length == 2 ? $"{choices[0]} or {choices[1]}" : $"{string.Join(", ", choices[..^1])} or {choices[^1]}";
        value = choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase)) ?? text;
        return choices.Contains(value);
    };

    private static T Parse<T>(ArgumentResult result, string source, string text, ValueParser<T> parser, T fallback)
    {
        if (parser(text, out var value, out var expected))
        {
            return value;
        }

        result.AddError($"{source} must be {expected}, not '{text}'.");
        return fallback;
    }
}
