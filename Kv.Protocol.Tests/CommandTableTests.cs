using System.Text.RegularExpressions;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>The command table is the one declaration of every command: the spec's table and the codec follow it.</summary>
public partial class CommandTableTests
{
    [Test]
    public void The_spec_lists_exactly_the_commands_of_the_table()
    {
        var documented = File.ReadLines(SpecDocument.Path)
            .Select(line => CommandRow().Match(line))
            .Where(m => m.Success)
            .Select(m => (Number: Convert.ToUInt16(m.Groups["number"].Value, 16), Name: m.Groups["name"].Value.Trim(),
                Arguments: m.Groups["arguments"].Value.Trim(), Writes: m.Groups["writes"].Value.Trim(), Since: m.Groups["since"].Value.Trim()))
            .ToList();

        var declared = CommandTable.All.Select(spec => (Number: (ushort)spec.Kind, spec.Name,
            Arguments: string.Join(", ", spec.Arguments.Select(a => a.ToString().ToLowerInvariant())),
            Writes: spec.IsWrite ? "yes" : "no", Since: ((byte)spec.Since).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();

        documented.Should().Equal(declared);
    }

    [Test]
    public void Numbers_are_unique_and_found_by_number()
    {
        CommandTable.All.Select(spec => spec.Kind).Should().OnlyHaveUniqueItems();
        foreach (var spec in CommandTable.All)
        {
            CommandTable.Find(spec.Kind).Should().BeSameAs(spec);
            FrameFormat.IsKnown(spec.Kind).Should().BeTrue();
            FrameFormat.ArgumentCount(spec.Kind).Should().Be(spec.Arguments.Count);
        }

        CommandTable.Find((CommandKind)999).Should().BeNull();
        FrameFormat.IsKnown((CommandKind)999).Should().BeFalse();
    }

    [Test]
    public void Every_command_encodes_and_parses_with_the_arguments_its_spec_declares()
    {
        foreach (var spec in CommandTable.All)
        {
            foreach (var version in new[] { ProtocolVersion.V0, ProtocolVersion.V1 }.Where(v => v >= spec.Since))
            {
                var key = spec.HasKey ? "key"u8.ToArray() : [];
                var value = spec.HasValue ? "value"u8.ToArray() : [];
                ushort flags = spec.HasFlags ? (ushort)0x0102 : (ushort)0;
                var time = spec.HasTime ? 0x0304050607080910L : 0;
                var frame = new byte[CommandEncoder.GetEncodedLength(version, spec.Kind, key.Length, value.Length)];
                CommandEncoder.Encode(frame, version, spec.Kind, 7, key, value, flags, time);

                CommandParser.Default.TryParse(frame, out var view, out _).Should().Be(ParseStatus.Complete, "{0} in version {1}", spec, version);
                view.Kind.Should().Be(spec.Kind);
                view.Key.ToArray().Should().Equal(key);
                view.Value.ToArray().Should().Equal(value);
                view.Flags.Should().Be(flags);
                view.Time.Should().Be(time);
                var arguments = frame.Length - (version == ProtocolVersion.V0 ? FrameFormat.V0RequestHeaderSize : FrameFormat.V1RequestHeaderSize) - key.Length - value.Length;
                arguments.Should().Be(spec.Arguments.Sum(role => role switch
                {
                    ArgumentRole.Flags => FrameFormat.FlagsSize,
                    ArgumentRole.Time => FrameFormat.TimeSize,
                    _ => FrameFormat.StringLengthSize,
                }), "one length prefix per declared string, and the fixed-width arguments' sizes");
                arguments.Should().Be(spec.FixedSize);
            }

            foreach (var version in new[] { ProtocolVersion.V0, ProtocolVersion.V1 }.Where(v => v < spec.Since))
            {
                CommandTable.Find(spec.Kind, version).Should().BeNull("{0} is not in version {1}", spec, version);
                FluentActions.Invoking(() => CommandEncoder.GetEncodedLength(version, spec.Kind, 1, 0)).Should().Throw<ArgumentOutOfRangeException>();
            }
        }
    }

    [GeneratedRegex(@"^\|\s*`(?<number>[0-9a-f]{4})`\s*\|(?<name>[^|]*)\|(?<arguments>[^|]*)\|(?<writes>[^|]*)\|(?<since>[^|]*)\|\s*$")]
    private static partial Regex CommandRow();
}
