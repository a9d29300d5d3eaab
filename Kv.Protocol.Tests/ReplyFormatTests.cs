using System.Buffers;
using CsCheck;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// The typed answers of the expiry commands: <see cref="ResponseEncoder"/>'s helpers write exactly the OK frames the
/// owned <see cref="Response"/> factories describe, refuse what is not an answer before writing, and the readers on
/// <see cref="ResponseView"/>, <see cref="ResponseSequenceView"/> and <see cref="Response"/> read them back and nothing else.
/// </summary>
public class ReplyFormatTests
{
    [Test]
    public void Any_SETX_answer_encodes_to_its_response_and_reads_back() =>
        Gen.Select(Gen.Int[0, 3], Gen.Byte.Array[0, 300], Gen.UInt).Sample((bits, previous, id) =>
        {
            var flags = (SetReplyFlags)bits;
            if ((flags & SetReplyFlags.Existed) == 0)
            {
                previous = [];
            }

            var expected = Reference.Encode(Response.SetReply(flags, previous, id));
            var length = ResponseEncoder.GetSetReplyLength(ProtocolVersion.V1, previous.Length);
            length.Should().Be(expected.Length);
            var destination = new byte[length];
            ResponseEncoder.EncodeSetReply(destination, ProtocolVersion.V1, id, flags, previous).Should().Be(length);
            Hex.Format(destination).Should().Be(Hex.Format(expected));
            var writer = new ArrayBufferWriter<byte>();
            ResponseEncoder.EncodeSetReply(writer, ProtocolVersion.V1, id, flags, previous).Should().Be(length);
            Hex.Format(writer.WrittenSpan).Should().Be(Hex.Format(expected));

            ResponseParser.Default.TryParse(expected, out var view, out _).Should().Be(ParseStatus.Complete);
            view.TryReadSetReply(out var readFlags, out var readPrevious).Should().BeTrue();
            readFlags.Should().Be(flags);
            readPrevious.ToArray().Should().Equal(previous);
            ResponseParser.Default.TryParse(Sequences.Cut(expected, expected.Length / 2, 11), out var split, out _).Should().Be(ParseStatus.Complete);
            split.TryReadSetReply(out var splitFlags, out var splitPrevious).Should().BeTrue();
            splitFlags.Should().Be(flags);
            splitPrevious.ToArray().Should().Equal(previous);
        }, iter: 500);

    [Test]
    public void Any_TTL_answer_encodes_to_its_response_and_reads_back() =>
        Gen.Select(Gen.Frequency((3, Gen.Long[-1, long.MaxValue]), (1, Gen.OneOf(-1L, 0L, long.MaxValue))), Gen.UInt).Sample((milliseconds, id) =>
        {
            var expected = Reference.Encode(Response.TimeToLive(milliseconds, id));
            var destination = new byte[expected.Length];
            ResponseEncoder.EncodeTimeToLiveReply(destination, ProtocolVersion.V1, id, milliseconds).Should().Be(expected.Length);
            Hex.Format(destination).Should().Be(Hex.Format(expected));
            var writer = new ArrayBufferWriter<byte>();
            ResponseEncoder.EncodeTimeToLiveReply(writer, ProtocolVersion.V1, id, milliseconds).Should().Be(expected.Length);
            Hex.Format(writer.WrittenSpan).Should().Be(Hex.Format(expected));

            ResponseParser.Default.TryParse(expected, out var view, out _).Should().Be(ParseStatus.Complete);
            view.TryReadTimeToLive(out var left).Should().BeTrue();
            left.Should().Be(milliseconds);
            ResponseParser.Default.TryParse(Sequences.OneBytePerSegment(expected), out var split, out _).Should().Be(ParseStatus.Complete);
            split.TryReadTimeToLive(out var splitLeft).Should().BeTrue();
            splitLeft.Should().Be(milliseconds);
        }, iter: 500);

    [TestCase(true)]
    [TestCase(false)]
    public void The_applied_answer_is_one_byte_and_reads_back(bool applied)
    {
        var expected = Reference.Encode(Response.Applied(applied, 7));
        Hex.Format(expected).Should().Be(applied ? "01000000000700000001" + "01" : "01000000000700000001" + "00");
        var destination = new byte[expected.Length];
        ResponseEncoder.EncodeAppliedReply(destination, ProtocolVersion.V1, 7, applied).Should().Be(expected.Length);
        Hex.Format(destination).Should().Be(Hex.Format(expected));
        var writer = new ArrayBufferWriter<byte>();
        ResponseEncoder.EncodeAppliedReply(writer, ProtocolVersion.V1, 7, applied).Should().Be(expected.Length);
        Hex.Format(writer.WrittenSpan).Should().Be(Hex.Format(expected));

        ResponseParser.Default.TryParse(expected, out var view, out _).Should().Be(ParseStatus.Complete);
        view.TryReadApplied(out var read).Should().BeTrue();
        read.Should().Be(applied);
        Response.Applied(applied, 7).TryReadApplied(out var owned).Should().BeTrue();
        owned.Should().Be(applied);
    }

    [Test]
    public void What_is_not_an_answer_is_refused_before_anything_is_written()
    {
        var destination = new byte[64];
        var writer = new ArrayBufferWriter<byte>();

        FluentActions.Invoking(() => ResponseEncoder.EncodeSetReply(destination, ProtocolVersion.V0, 1, SetReplyFlags.Applied, default)).Should().Throw<ArgumentOutOfRangeException>("version 0 has no SETX");
        FluentActions.Invoking(() => ResponseEncoder.EncodeSetReply(destination, ProtocolVersion.V1, 1, (SetReplyFlags)4, default)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ResponseEncoder.EncodeSetReply(destination, ProtocolVersion.V1, 1, SetReplyFlags.Applied, "v"u8)).Should().Throw<ArgumentException>("a previous value needs a key that existed");
        FluentActions.Invoking(() => ResponseEncoder.EncodeSetReply(writer, ProtocolVersion.V1, 1, SetReplyFlags.None, "v"u8)).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => ResponseEncoder.EncodeSetReply(new byte[11], ProtocolVersion.V1, 1, SetReplyFlags.Existed, "v"u8)).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("destination");
        FluentActions.Invoking(() => ResponseEncoder.GetSetReplyLength(ProtocolVersion.V1, -1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ResponseEncoder.EncodeAppliedReply(destination, ProtocolVersion.V0, 1, true)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ResponseEncoder.EncodeAppliedReply(new byte[10], ProtocolVersion.V1, 1, true)).Should().Throw<ArgumentException>().Which.ParamName.Should().Be("destination");
        FluentActions.Invoking(() => ResponseEncoder.EncodeTimeToLiveReply(destination, ProtocolVersion.V1, 1, -2)).Should().Throw<ArgumentOutOfRangeException>("a missing key is NOT_FOUND, not a time");
        FluentActions.Invoking(() => ResponseEncoder.EncodeTimeToLiveReply(writer, ProtocolVersion.V1, 1, long.MinValue)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => ResponseEncoder.EncodeTimeToLiveReply(destination, ProtocolVersion.V0, 1, 5)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => Response.SetReply(SetReplyFlags.Applied, [1])).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => Response.TimeToLive(-2)).Should().Throw<ArgumentOutOfRangeException>();

        destination.Should().Equal(new byte[destination.Length], "nothing is written");
        writer.WrittenCount.Should().Be(0);
    }

    [TestCase("01 00 00000001 00000000", Description = "an empty body")]
    [TestCase("01 00 00000001 00000001 04", Description = "an unknown result bit")]
    [TestCase("01 00 00000001 00000002 01 76", Description = "a previous value for a key that did not exist")]
    [TestCase("01 02 00000001 00000000", Description = "NOT_FOUND")]
    [TestCase("01 01 00000001 00000003 0005 01", Description = "an ERROR")]
    [TestCase("00 00 00000001 01", Description = "version 0")]
    public void A_body_that_is_not_a_SETX_answer_is_not_read_as_one(string hex)
    {
        var bytes = Hex.Parse(hex);
        ResponseParser.Default.TryParse(bytes, out var view, out _).Should().Be(ParseStatus.Complete);
        view.TryReadSetReply(out var flags, out var previous).Should().BeFalse();
        flags.Should().Be(SetReplyFlags.None);
        previous.IsEmpty.Should().BeTrue();
        view.ToResponse().TryReadSetReply(out _, out _).Should().BeFalse();
        ResponseParser.Default.TryParse(Sequences.OneBytePerSegment(bytes), out var split, out _).Should().Be(ParseStatus.Complete);
        split.TryReadSetReply(out _, out _).Should().BeFalse();
    }

    [TestCase("01 00 00000001 00000000")]
    [TestCase("01 00 00000001 00000001 02")]
    [TestCase("01 00 00000001 00000002 0001")]
    [TestCase("01 02 00000001 00000000")]
    [TestCase("00 00 00000001 01")]
    public void A_body_that_is_not_an_applied_byte_is_not_read_as_one(string hex)
    {
        var bytes = Hex.Parse(hex);
        ResponseParser.Default.TryParse(bytes, out var view, out _).Should().Be(ParseStatus.Complete);
        view.TryReadApplied(out var applied).Should().BeFalse();
        applied.Should().BeFalse();
        view.ToResponse().TryReadApplied(out _).Should().BeFalse();
        ResponseParser.Default.TryParse(Sequences.OneBytePerSegment(bytes), out var split, out _).Should().Be(ParseStatus.Complete);
        split.TryReadApplied(out _).Should().BeFalse();
    }

    [TestCase("01 00 00000001 00000007 00000000000000", Description = "seven bytes")]
    [TestCase("01 00 00000001 00000009 000000000000000000", Description = "nine bytes")]
    [TestCase("01 00 00000001 00000008 fffffffffffffffe", Description = "-2, the store's missing key, is NOT_FOUND on the wire")]
    [TestCase("01 02 00000001 00000000", Description = "NOT_FOUND")]
    [TestCase("00 00 00000008 0000000000000001", Description = "version 0")]
    public void A_body_that_is_not_a_TTL_is_not_read_as_one(string hex)
    {
        var bytes = Hex.Parse(hex);
        ResponseParser.Default.TryParse(bytes, out var view, out _).Should().Be(ParseStatus.Complete);
        view.TryReadTimeToLive(out var left).Should().BeFalse();
        left.Should().Be(0);
        view.ToResponse().TryReadTimeToLive(out _).Should().BeFalse();
        ResponseParser.Default.TryParse(Sequences.OneBytePerSegment(bytes), out var split, out _).Should().Be(ParseStatus.Complete);
        split.TryReadTimeToLive(out _).Should().BeFalse();
    }
}
