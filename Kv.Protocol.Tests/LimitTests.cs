using System.Buffers;
using System.Buffers.Binary;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// Length prefixes of 0, the limit, the limit + 1 and 0xFFFFFFFF, for every length field of both versions, commands
/// and responses, with the default limit and small custom ones. A frame of exactly the limit needs more data until
/// it is whole and then parses; one byte more, or 0xFFFFFFFF, is rejected as soon as the prefix is read, with no
/// body present.
/// </summary>
[NonParallelizable] // The default-limit cases share two 64 MiB scratch buffers.
public class LimitTests
{
    private const uint Id = 7;

    private static readonly int[] Limits = [ProtocolLimits.DefaultMaxFrameBytes, 1024, ProtocolLimits.MinimumMaxFrameBytes];

    /// <summary>The length fields under test, by name.</summary>
    private static readonly IReadOnlyDictionary<string, LengthField> Fields = new[]
    {
        new LengthField("v0 GET key", true, ProtocolVersion.V0, FieldEnd: 7, Overhead: 7,
            (d, s) => CommandEncoder.Encode(d, ProtocolVersion.V0, CommandKind.Get, 0, s, []),
            "00 0000 00000000", Outcome.Complete(Command.Get(""), 7)),
        new LengthField("v0 SET key", true, ProtocolVersion.V0, FieldEnd: 7, Overhead: 11,
            (d, s) => CommandEncoder.Encode(d, ProtocolVersion.V0, CommandKind.Set, 0, s, []),
            "00 0001 00000000 00000000", Outcome.Complete(Command.Set("", ""), 11)),
        new LengthField("v0 SET value", true, ProtocolVersion.V0, FieldEnd: 12, Overhead: 12,
            (d, s) => CommandEncoder.Encode(d, ProtocolVersion.V0, CommandKind.Set, 0, "k"u8, s),
            "00 0001 00000001 6b 00000000", Outcome.Complete(Command.Set("k", ""), 12)),
        new LengthField("v0 PING message", true, ProtocolVersion.V0, FieldEnd: 7, Overhead: 7,
            (d, s) => CommandEncoder.Encode(d, ProtocolVersion.V0, CommandKind.Ping, 0, [], s),
            "00 0003 00000000", Outcome.Complete(Command.Ping(""), 7)),
        new LengthField("v1 GET body", true, ProtocolVersion.V1, FieldEnd: 11, Overhead: 15,
            (d, s) => CommandEncoder.Encode(d, ProtocolVersion.V1, CommandKind.Get, Id, s, []),
            "01 0000 00000007 00000000", Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 11, ProtocolVersion.V1, Id, 11)),
        new LengthField("v1 SET body", true, ProtocolVersion.V1, FieldEnd: 11, Overhead: 19,
            (d, s) => CommandEncoder.Encode(d, ProtocolVersion.V1, CommandKind.Set, Id, "k"u8[..0], s),
            "01 0001 00000007 00000000", Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 11, ProtocolVersion.V1, Id, 11)),
        new LengthField("v0 OK payload", false, ProtocolVersion.V0, FieldEnd: 6, Overhead: 6,
            (d, s) => ResponseEncoder.Encode(d, ProtocolVersion.V0, ResponseStatus.Ok, 0, s),
            "00 00 00000000", Outcome.Complete(Response.Ok(""), 6)),
        new LengthField("v0 ERROR payload", false, ProtocolVersion.V0, FieldEnd: 6, Overhead: 6,
            (d, s) => ResponseEncoder.Encode(d, ProtocolVersion.V0, ResponseStatus.Error, 0, s),
            "00 01 00000000", Outcome.Complete(Response.Error(""), 6)),
        new LengthField("v1 OK body", false, ProtocolVersion.V1, FieldEnd: 10, Overhead: 10,
            (d, s) => ResponseEncoder.Encode(d, ProtocolVersion.V1, ResponseStatus.Ok, Id, s),
            "01 00 00000007 00000000", Outcome.Complete(Response.Ok("", ProtocolVersion.V1, Id), 10)),
        new LengthField("v1 ERROR body", false, ProtocolVersion.V1, FieldEnd: 10, Overhead: 12,
            (d, s) => ResponseEncoder.Encode(d, ProtocolVersion.V1, ResponseStatus.Error, Id, s, ProtocolErrorCode.ServerError),
            "01 01 00000007 00000000", Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 10, ProtocolVersion.V1, Id, 10)),
    }.ToDictionary(f => f.Name);

    private static byte[]? s_frame;
    private static byte[]? s_source;

    private delegate int FrameWriter(Span<byte> destination, ReadOnlySpan<byte> variable);

    private static IEnumerable<TestCaseData> FieldsAndLimits() =>
        from name in Fields.Keys
        from limit in Limits
        select new TestCaseData(name, limit).SetArgDisplayNames(name, limit == ProtocolLimits.DefaultMaxFrameBytes ? "default limit" : $"limit {limit}");

    private static IEnumerable<TestCaseData> FieldNames() => Fields.Keys.Select(n => new TestCaseData(n).SetArgDisplayNames(n));

    [OneTimeTearDown]
    public void ReleaseScratchBuffers()
    {
        s_frame = null;
        s_source = null;
    }

    [TestCaseSource(nameof(FieldNames))]
    public void A_length_of_0_is_an_ordinary_frame(string name)
    {
        var field = Fields[name];
        var input = Hex.Parse(field.ZeroHex);

        Parse.Frame(field.IsRequest, input).Should().Be(field.ZeroOutcome);
        Parse.Frame(field.IsRequest, Sequences.OneBytePerSegment(input)).Should().Be(field.ZeroOutcome);
        for (var length = 0; length < input.Length; length++)
        {
            Parse.Frame(field.IsRequest, input.AsSpan(0, length)).Should().Be(Outcome.NeedMoreData, "{0} bytes", length);
        }
    }

    [TestCaseSource(nameof(FieldsAndLimits))]
    public void A_frame_of_exactly_the_limit_needs_more_data_until_whole_then_parses(string name, int maxFrameBytes)
    {
        var field = Fields[name];
        var limits = LimitsOf(maxFrameBytes);
        var frame = Scratch(maxFrameBytes, out var source);
        var variable = maxFrameBytes - field.Overhead;

        field.Write(frame, source.AsSpan(0, variable)).Should().Be(maxFrameBytes);

        var prefixes = maxFrameBytes <= 1024
            ? Enumerable.Range(0, maxFrameBytes)
            : new[] { 0, 1, field.FieldEnd - 1, field.FieldEnd, field.FieldEnd + 1, maxFrameBytes / 2, maxFrameBytes - 1 };
        foreach (var length in prefixes)
        {
            Parse.Frame(field.IsRequest, frame.AsSpan(0, length), limits).Should().Be(Outcome.NeedMoreData, "{0} bytes", length);
        }

        var whole = frame.AsMemory(0, maxFrameBytes);
        CheckComplete(field, limits, whole.Span, variable);
        CheckComplete(field, limits, Sequences.SplitInPlace(whole, field.FieldEnd), variable);
        CheckComplete(field, limits, Sequences.SplitInPlace(whole, maxFrameBytes - 1), variable);
    }

    [TestCaseSource(nameof(FieldsAndLimits))]
    public void A_frame_one_byte_over_the_limit_is_rejected_as_soon_as_its_length_is_read(string name, int maxFrameBytes)
    {
        var field = Fields[name];
        var limits = LimitsOf(maxFrameBytes);
        var frame = Scratch(maxFrameBytes, out var source);
        var variable = maxFrameBytes - field.Overhead + 1;
        field.Write(frame, source.AsSpan(0, variable)).Should().Be(maxFrameBytes + 1);
        var expected = field.Rejection(BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(field.FieldEnd - 4)));

        var header = frame.AsSpan(0, field.FieldEnd);
        Parse.Frame(field.IsRequest, header, limits).Should().Be(expected, "only the header and the prefix are present");
        Parse.Frame(field.IsRequest, Sequences.OneBytePerSegment(header), limits).Should().Be(expected);
        Parse.Frame(field.IsRequest, header[..^1], limits).Should().Be(Outcome.NeedMoreData, "the prefix is not whole yet");
        Parse.Frame(field.IsRequest, frame.AsSpan(0, maxFrameBytes + 1), limits).Should().Be(expected, "the whole frame gets the same answer");
    }

    [TestCaseSource(nameof(FieldsAndLimits))]
    public void A_length_of_0xFFFFFFFF_is_rejected_as_soon_as_it_is_read(string name, int maxFrameBytes)
    {
        var field = Fields[name];
        var limits = LimitsOf(maxFrameBytes);
        var header = new byte[field.FieldEnd + 16];
        field.Write(header, [0, 0, 0]);
        header.AsSpan(field.FieldEnd - 4, 4).Fill(0xff);
        var expected = field.Rejection(uint.MaxValue);

        Parse.Frame(field.IsRequest, header.AsSpan(0, field.FieldEnd), limits).Should().Be(expected);
        Parse.Frame(field.IsRequest, Sequences.OneBytePerSegment(header.AsSpan(0, field.FieldEnd)), limits).Should().Be(expected);
        Parse.Frame(field.IsRequest, header, limits).Should().Be(expected, "bytes after the prefix change nothing");
    }

    /// <summary>With the largest possible limit, the arithmetic on u32 lengths must not overflow.</summary>
    [TestCaseSource(nameof(FieldNames))]
    public void Lengths_near_int_MaxValue_do_not_overflow(string name)
    {
        var field = Fields[name];
        var limits = new ProtocolLimits(int.MaxValue);
        var scratch = new byte[field.FieldEnd + 16];
        field.Write(scratch, []);
        var header = scratch.AsSpan(0, field.FieldEnd).ToArray();

        // The largest frame that fits: the field's value makes the frame exactly int.MaxValue bytes.
        var fitting = field.Version == ProtocolVersion.V0 ? (uint)(int.MaxValue - field.Overhead) : (uint)(int.MaxValue - field.FieldEnd);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(field.FieldEnd - 4), fitting);
        Parse.Frame(field.IsRequest, header, limits).Should().Be(Outcome.NeedMoreData, "a frame of int.MaxValue bytes fits");

        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(field.FieldEnd - 4), fitting + 1);
        Parse.Frame(field.IsRequest, header, limits).Should().Be(field.Rejection(fitting + 1));

        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(field.FieldEnd - 4), uint.MaxValue);
        Parse.Frame(field.IsRequest, header, limits).Should().Be(field.Rejection(uint.MaxValue));
    }

    [Test]
    public void The_largest_strings_are_those_the_spec_states()
    {
        // docs/protocol.md: 67,108,857 bytes for a version-0 GET key, 67,108,849 for a version-1 GET key.
        Parse.Command(Hex.Parse("00 0000 03fffff9")).Should().Be(Outcome.NeedMoreData);
        Parse.Command(Hex.Parse("00 0000 03fffffa")).Should().Be(Outcome.Invalid(ProtocolErrorCode.StringTooLarge, 67_108_858));
        Parse.Command(Hex.Parse("01 0000 00000001 03fffff5 03fffff1")).Should().Be(Outcome.NeedMoreData);
        Parse.Command(Hex.Parse("01 0000 00000001 03fffff6")).Should().Be(Outcome.Invalid(ProtocolErrorCode.FrameTooLarge, 67_108_865, ProtocolVersion.V1, 1));
        0x03fffff9.Should().Be(67_108_857);
        0x03fffff1.Should().Be(67_108_849);
    }

    [TestCase(63)]
    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    public void Limits_below_64_bytes_are_refused(int maxFrameBytes)
    {
        var create = () => new ProtocolLimits(maxFrameBytes);

        create.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("maxFrameBytes");
    }

    [TestCase(64)]
    [TestCase(1024)]
    [TestCase(int.MaxValue)]
    public void Limits_of_64_bytes_and_more_are_kept(int maxFrameBytes)
    {
        new ProtocolLimits(maxFrameBytes).MaxFrameBytes.Should().Be(maxFrameBytes);
    }

    [Test]
    public void The_default_limit_is_64_MiB_and_the_default_parsers_use_it()
    {
        ProtocolLimits.DefaultMaxFrameBytes.Should().Be(67_108_864);
        ProtocolLimits.MinimumMaxFrameBytes.Should().Be(64);
        ProtocolLimits.Default.MaxFrameBytes.Should().Be(ProtocolLimits.DefaultMaxFrameBytes);
        CommandParser.Default.Limits.Should().BeSameAs(ProtocolLimits.Default);
        ResponseParser.Default.Limits.Should().BeSameAs(ProtocolLimits.Default);

        var limits = new ProtocolLimits(100);
        new CommandParser(limits).Limits.Should().BeSameAs(limits);
        new ResponseParser(limits).Limits.Should().BeSameAs(limits);
    }

    [Test]
    public void Parsers_need_limits()
    {
        var command = () => new CommandParser(null!);
        var response = () => new ResponseParser(null!);

        command.Should().Throw<ArgumentNullException>();
        response.Should().Throw<ArgumentNullException>();
    }

    private static void CheckComplete(LengthField field, ProtocolLimits limits, ReadOnlySpan<byte> input, int variable)
    {
        var outcome = ParseHeaderOnly(field, limits, input, out var variableLength);
        outcome.Should().Be((ParseStatus.Complete, input.Length));
        variableLength.Should().Be(variable);
    }

    private static void CheckComplete(LengthField field, ProtocolLimits limits, in ReadOnlySequence<byte> input, int variable)
    {
        (ParseStatus, int) outcome;
        long variableLength;
        if (field.IsRequest)
        {
            var status = new CommandParser(limits).TryParse(input, out var view, out _);
            outcome = (status, view.FrameLength);
            variableLength = view.Key.Length + view.Value.Length;
        }
        else
        {
            var status = new ResponseParser(limits).TryParse(input, out var view, out _);
            outcome = (status, view.FrameLength);
            variableLength = view.Payload.Length;
        }

        outcome.Should().Be((ParseStatus.Complete, (int)input.Length));
        variableLength.Should().Be(variable + (field.Name == "v0 SET value" ? 1 : 0));
    }

    // Frames of up to 64 MiB are not copied into owned messages: only the status, frame length and argument lengths are compared.
    private static (ParseStatus, int) ParseHeaderOnly(LengthField field, ProtocolLimits limits, ReadOnlySpan<byte> input, out int variableLength)
    {
        if (field.IsRequest)
        {
            var status = new CommandParser(limits).TryParse(input, out var view, out _);
            variableLength = field.Name == "v0 SET value" ? view.Value.Length : view.Key.Length + view.Value.Length;
            return (status, view.FrameLength);
        }
        else
        {
            var status = new ResponseParser(limits).TryParse(input, out var view, out _);
            variableLength = view.Payload.Length;
            return (status, view.FrameLength);
        }
    }

    private static ProtocolLimits LimitsOf(int maxFrameBytes) =>
        maxFrameBytes == ProtocolLimits.DefaultMaxFrameBytes ? ProtocolLimits.Default : new ProtocolLimits(maxFrameBytes);

    /// <summary>A frame buffer and a source of string bytes, each big enough for a frame one byte over the limit.</summary>
    private static byte[] Scratch(int maxFrameBytes, out byte[] source)
    {
        if (s_frame is null || s_frame.Length < maxFrameBytes + 1)
        {
            s_frame = new byte[ProtocolLimits.DefaultMaxFrameBytes + 1];
            s_source = new byte[ProtocolLimits.DefaultMaxFrameBytes + 1];
            for (var i = 0; i < s_source.Length; i++)
            {
                s_source[i] = (byte)((i * 131) ^ (i >> 8));
            }
        }

        source = s_source!;
        return s_frame;
    }

    /// <summary>One length field of the protocol, and how to build frames around it.</summary>
    /// <param name="Name">Which field.</param>
    /// <param name="IsRequest">Parsed by the command parser (true) or the response parser.</param>
    /// <param name="Version">The frame's version.</param>
    /// <param name="FieldEnd">The offset just after the field.</param>
    /// <param name="Overhead">The frame's length less the one variable-length string.</param>
    /// <param name="Write">Encodes the frame with the given variable-length string.</param>
    /// <param name="ZeroHex">The frame with 0 in the field.</param>
    /// <param name="ZeroOutcome">What parsing <paramref name="ZeroHex"/> gives.</param>
    private sealed record LengthField(string Name, bool IsRequest, ProtocolVersion Version, int FieldEnd, int Overhead, FrameWriter Write, string ZeroHex, Outcome ZeroOutcome)
    {
        /// <summary>The answer to a frame whose field holds <paramref name="value"/> and does not fit the limit.</summary>
        public Outcome Rejection(uint value) => Version == ProtocolVersion.V0
            ? Outcome.Invalid(ProtocolErrorCode.StringTooLarge, value)
            : Outcome.Invalid(ProtocolErrorCode.FrameTooLarge, FieldEnd + (long)value, ProtocolVersion.V1, Id);
    }
}
