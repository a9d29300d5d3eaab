using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// What an Invalid answer reports: the detail, version and request id of each kind of bad input, whether the frame
/// can be skipped (as the spec's bad-input table says), and the messages the spec gives for the server's replies.
/// </summary>
public class ProtocolErrorTests
{
    [Test]
    public void An_unsupported_version_is_not_recoverable()
    {
        Parse.Command(Hex.Parse("07 0003 00000000")).Should().Be(Outcome.Invalid(ProtocolErrorCode.UnsupportedVersion, 7));
        Parse.Response(Hex.Parse("02")).Should().Be(Outcome.Invalid(ProtocolErrorCode.UnsupportedVersion, 2));
        Error(true, "ff").ToString().Should().Be("unsupported protocol version 255 (supported: 0, 1)");
        Error(true, "ff").IsRecoverable.Should().BeFalse();
    }

    [Test]
    public void A_version_0_unknown_command_is_not_recoverable()
    {
        Parse.Command(Hex.Parse("00 00ff")).Should().Be(Outcome.Invalid(ProtocolErrorCode.UnknownCommand, 255));
        Error(true, "00 00ff").ToString().Should().Be("unknown command 255");
        Error(true, "00 00ff").IsRecoverable.Should().BeFalse();

        // The expiry commands exist from version 1: in version 0 their numbers are unknown commands.
        foreach (var spec in CommandTable.All.Where(s => s.Since == ProtocolVersion.V1))
        {
            Parse.Command(Reference.U16((ushort)spec.Kind).Prepend((byte)0).ToArray()).Should().Be(Outcome.Invalid(ProtocolErrorCode.UnknownCommand, (ushort)spec.Kind), "{0} in version 0", spec);
        }
    }

    [Test]
    public void A_version_0_string_too_large_reports_its_length()
    {
        Parse.Command(Hex.Parse("00 0000 ffffffff")).Should().Be(Outcome.Invalid(ProtocolErrorCode.StringTooLarge, 0xffffffff));
        Parse.Command(Hex.Parse("00 0001 00000001 6b 04000000")).Should().Be(Outcome.Invalid(ProtocolErrorCode.StringTooLarge, 0x04000000), "the value's prefix is checked too");
        Parse.Response(Hex.Parse("00 01 fffffffa")).Should().Be(Outcome.Invalid(ProtocolErrorCode.StringTooLarge, 0xfffffffa));
        Error(true, "00 0000 ffffffff").ToString().Should().Be("string of 4294967295 bytes exceeds the frame size limit");
        Error(true, "00 0000 ffffffff").IsRecoverable.Should().BeFalse();
    }

    [Test]
    public void A_version_1_frame_too_large_reports_the_frame_size_and_request_id_and_is_not_recoverable()
    {
        Parse.Command(Hex.Parse("01 0000 0000002a ffffffff")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.FrameTooLarge, 11 + 0xffffffffL, ProtocolVersion.V1, 42));
        Parse.Response(Hex.Parse("01 00 0000002a 04000000")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.FrameTooLarge, 10 + 0x04000000L, ProtocolVersion.V1, 42));
        Error(true, "01 0000 0000002a ffffffff").IsRecoverable.Should().BeFalse();
    }

    [Test]
    public void Version_1_errors_in_a_whole_frame_are_recoverable()
    {
        Parse.Command(Hex.Parse("01 00ff 00000009 00000005 00000001 6b")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.UnknownCommand, 255, ProtocolVersion.V1, 9, 16));
        Parse.Command(Hex.Parse("01 0000 00000001 00000006 00000001 6b 00")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 16, ProtocolVersion.V1, 1, 17), "the key ends at 16, before the body does");
        Parse.Command(Hex.Parse("01 0000 00000001 00000005 00000002 6b")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 11, ProtocolVersion.V1, 1, 16), "the string at 11 runs past the body");
        Parse.Command(Hex.Parse("01 0001 00000001 00000007 00000001 6b 0000")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 16, ProtocolVersion.V1, 1, 18), "the value's prefix at 16 runs past the body");
        Parse.Response(Hex.Parse("01 07 00000001 00000000")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.UnknownStatus, 7, ProtocolVersion.V1, 1, 10));
        Parse.Response(Hex.Parse("01 01 00000001 00000001 00")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 10, ProtocolVersion.V1, 1, 11));
        Parse.Response(Hex.Parse("01 02 00000001 00000001 76")).Should().Be(
            Outcome.Invalid(ProtocolErrorCode.MalformedFrame, 10, ProtocolVersion.V1, 1, 11));
        Error(true, "01 00ff 00000009 00000005 00000001 6b").IsRecoverable.Should().BeTrue();
    }

    [Test]
    public void A_version_0_unknown_status_is_rejected_at_once()
    {
        Parse.Response(Hex.Parse("00 02")).Should().Be(Outcome.Invalid(ProtocolErrorCode.UnknownStatus, 2), "NOT_FOUND does not exist in version 0");
        Error(false, "00 05").ToString().Should().Be("unknown response status 5");
        Error(false, "00 05").IsRecoverable.Should().BeFalse();
    }

    [Test]
    public void A_skipped_frame_leaves_the_stream_in_step()
    {
        var input = Hex.Parse(
            "01 00ff 00000009 00000005 00000001 6b" + // unknown command 255, recoverable
            "01 0000 00000001 00000006 00000001 6b 00" + // trailing byte, recoverable
            "01 0000 0000000a 00000005 00000001 6b"); // GET "k", id 10

        var first = Parse.Command(input);
        first.ErrorCode.Should().Be(ProtocolErrorCode.UnknownCommand);
        var second = Parse.Command(input.AsSpan(first.ErrorFrameLength));
        second.ErrorCode.Should().Be(ProtocolErrorCode.MalformedFrame);
        var third = Parse.Command(input.AsSpan(first.ErrorFrameLength + second.ErrorFrameLength));
        third.Should().Be(Outcome.Complete(Command.Get("k", ProtocolVersion.V1, 10), 16));
    }

    [Test]
    public void Every_error_code_has_a_message_and_none_is_not_an_error()
    {
        var none = default(ProtocolError);
        none.Code.Should().Be(ProtocolErrorCode.None);
        none.IsRecoverable.Should().BeFalse();
        none.ToString().Should().Be("no error");

        // The wire numbers of the error codes never change (docs/protocol.md, "Error codes").
        Enum.GetValues<ProtocolErrorCode>().Select(c => ((ushort)c, c.ToString())).Should().Equal(
            (0, "None"), (1, "UnsupportedVersion"), (2, "UnknownCommand"), (3, "StringTooLarge"), (4, "FrameTooLarge"),
            (5, "MalformedFrame"), (6, "UnknownStatus"), (7, "TooManyConnections"), (8, "ServerError"), (9, "OutOfMemory"),
            (10, "WriteRefused"), (11, "InvalidArgument"), (12, "AuthenticationFailed"), (13, "NotAuthenticated"), (14, "PermissionDenied"));
    }

    private static ProtocolError Error(bool isRequest, string hex)
    {
        var input = Hex.Parse(hex);
        ProtocolError error;
        var status = isRequest ? CommandParser.Default.TryParse(input, out _, out error) : ResponseParser.Default.TryParse(input, out _, out error);
        status.Should().Be(ParseStatus.Invalid);
        return error;
    }
}
