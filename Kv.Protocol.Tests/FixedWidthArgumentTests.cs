using System.Buffers.Binary;
using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// The fixed-width arguments (flags, a u16; time, an i64) of the expiry commands: carried exactly, big-endian and in
/// two's complement; a version-1 body too short for one, or with bytes after the last, is MalformedFrame at the offset of
/// the argument that does not fit (recoverable: the frame is skipped); a frame that stops short is NeedMoreData.
/// </summary>
public class FixedWidthArgumentTests
{
    private static IEnumerable<TestCaseData> CommandsWithOptions() =>
        CommandTable.All.Where(s => s.HasFlags).Select(s => new TestCaseData(s.Kind).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(CommandsWithOptions))]
    public void Flags_and_time_are_carried_big_endian_after_the_strings(CommandKind kind)
    {
        var command = Options(kind, 0x1234, unchecked((long)0x8877665544332211));
        var bytes = Reference.Encode(command);

        Hex.Format(bytes.AsSpan(bytes.Length - 10)).Should().Be("1234" + "8877665544332211");
        Parse.Command(bytes).Should().Be(Outcome.Complete(command, bytes.Length));
        CommandParser.Default.TryParse(bytes, out var view, out _);
        view.Flags.Should().Be(0x1234);
        view.Time.Should().Be(unchecked((long)0x8877665544332211)).And.BeNegative();
    }

    [TestCaseSource(nameof(CommandsWithOptions))]
    public void A_body_too_short_for_a_fixed_width_argument_is_malformed_where_that_argument_starts(CommandKind kind)
    {
        var whole = Reference.Encode(Options(kind, 0x0010, 60_000));
        var timeAt = whole.Length - FrameFormat.TimeSize;
        var flagsAt = timeAt - FrameFormat.FlagsSize;

        for (var missing = 1; missing <= FrameFormat.FlagsSize + FrameFormat.TimeSize; missing++)
        {
            var frame = WithBody(whole, whole.Length - missing);
            var at = missing <= FrameFormat.TimeSize ? timeAt : flagsAt;
            Parse.Command(frame).Should().Be(Outcome.Invalid(ProtocolErrorCode.MalformedFrame, at, ProtocolVersion.V1, 9, frame.Length), "{0} bytes short", missing);
            Parse.Command(Sequences.OneBytePerSegment(frame)).Should().Be(Outcome.Invalid(ProtocolErrorCode.MalformedFrame, at, ProtocolVersion.V1, 9, frame.Length));
        }
    }

    [TestCaseSource(nameof(CommandsWithOptions))]
    public void Bytes_after_the_time_are_malformed_at_the_end_of_the_time(CommandKind kind)
    {
        var whole = Reference.Encode(Options(kind, 0x0010, 60_000));
        foreach (var extra in new[] { 1, 2, 8, 300 })
        {
            var frame = WithBody([.. whole, .. new byte[extra]], whole.Length + extra);
            Parse.Command(frame).Should().Be(Outcome.Invalid(ProtocolErrorCode.MalformedFrame, whole.Length, ProtocolVersion.V1, 9, frame.Length), "{0} bytes over", extra);
        }
    }

    [TestCaseSource(nameof(CommandsWithOptions))]
    public void A_frame_that_stops_inside_its_flags_or_time_needs_more_data(CommandKind kind)
    {
        var whole = Reference.Encode(Options(kind, 0x0020, 1));
        for (var length = whole.Length - FrameFormat.TimeSize - FrameFormat.FlagsSize; length < whole.Length; length++)
        {
            Parse.Command(whole.AsSpan(0, length)).Should().Be(Outcome.NeedMoreData, "{0} of {1} bytes", length, whole.Length);
        }
    }

    [Test]
    public void A_skipped_malformed_SETX_leaves_the_stream_in_step()
    {
        var shortSetX = WithBody(Reference.Encode(Options(CommandKind.SetX, 0x0011, 1000)), 11 + 5 + 5 + 2 + 4);
        var ttl = Command.Ttl("k", 10);
        byte[] input = [.. shortSetX, .. Reference.Encode(ttl)];

        var first = Parse.Command(input);
        first.ErrorCode.Should().Be(ProtocolErrorCode.MalformedFrame);
        first.ErrorFrameLength.Should().Be(shortSetX.Length);
        Parse.Command(input.AsSpan(first.ErrorFrameLength)).Should().Be(Outcome.Complete(ttl, 16));
    }

    private static Command Options(CommandKind kind, ushort flags, long time) =>
        new(kind, "k"u8.ToArray(), kind == CommandKind.SetX ? "v"u8.ToArray() : [], flags, time, ProtocolVersion.V1, 9);

    // The frame's first `length` bytes (or all of it), with its body length field saying so.
    private static byte[] WithBody(byte[] frame, int length)
    {
        var result = frame.AsSpan(0, Math.Min(length, frame.Length)).ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(7), (uint)(result.Length - FrameFormat.V1RequestHeaderSize));
        return result;
    }
}
