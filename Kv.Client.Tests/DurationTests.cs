using Kv.CommandLine;

namespace Kv.Client.Tests;

/// <summary>Kv.CommandLine's durations, as <c>kv</c>'s <c>--ttl</c> and <c>expire</c> read them and <c>kv ttl</c> prints them.</summary>
public class DurationTests
{
    [TestCase("10s", 10_000)]
    [TestCase("500ms", 500)]
    [TestCase("5m", 300_000)]
    [TestCase("1h", 3_600_000)]
    [TestCase("2d", 172_800_000)]
    [TestCase("10", 10_000)]
    [TestCase("1.5s", 1_500)]
    [TestCase("0.25", 250)]
    [TestCase(" 7S ", 7_000)]
    [TestCase("0", 0)]
    public void Durations_are_read_with_or_without_a_unit(string text, long milliseconds)
    {
        ToolOptions.TryParseDuration(text, out var value).Should().BeTrue();
        value.Should().Be(TimeSpan.FromMilliseconds(milliseconds));
    }

    [TestCase("")]
    [TestCase("s")]
    [TestCase("-1s")]
    [TestCase("10x")]
    [TestCase("1.2.3s")]
    [TestCase("10 s")]
    [TestCase("99999999999999999999d")]
    public void Other_text_is_not_a_duration(string text) => ToolOptions.TryParseDuration(text, out _).Should().BeFalse();

    [Test]
    public void A_duration_below_the_minimum_is_refused_with_what_the_option_takes()
    {
        var parse = ToolOptions.Duration(TimeSpan.FromMilliseconds(1));
        parse("0", out _, out var expected).Should().BeFalse();
        expected.Should().Contain("10s").And.Contain("at least 0.001s");
        parse("1ms", out var value, out _).Should().BeTrue();
        value.Should().Be(TimeSpan.FromMilliseconds(1));
    }

    [TestCase(0, "0s")]
    [TestCase(250, "0.25s")]
    [TestCase(9_998, "9.998s")]
    [TestCase(300_000, "5m")]
    [TestCase(5_399_998, "1h 29m 59.998s")]
    [TestCase(90_061_001, "1d 1h 1m 1.001s")]
    public void Durations_print_for_people(long milliseconds, string text) =>
        ToolOptions.FormatDuration(TimeSpan.FromMilliseconds(milliseconds)).Should().Be(text);
}
