using System.Buffers;
using Kv.Protocol;

namespace Kv.Fuzz.Harnesses;

/// <summary>
/// The command parser on any bytes, frame after frame, with the default limits and with the smallest limit:
/// it never throws; a complete frame lies within the input, is re-encoded by <see cref="CommandEncoder"/> to exactly
/// the bytes it was parsed from, and is not complete one byte shorter; a recoverable error's frame lies within the
/// input; and the sequence parser over random segments (the frame and a few bytes after it) agrees with the span parser on every answer.
/// </summary>
public static class CommandHarness
{
    private static readonly CommandParser[] Parsers = [CommandParser.Default, new(new ProtocolLimits(ProtocolLimits.MinimumMaxFrameBytes))];

    public static void Run(byte[] data) => FrameStream.Walk(data, Parsers, Step);

    private static ParseStatus Step(CommandParser parser, ReadOnlySpan<byte> input, int offset, Random random, out int frameLength, out ProtocolError error)
    {
        var status = parser.TryParse(input, out var command, out error);
        var sequence = Segments.Cut(input.Slice(0, FrameStream.Window(input.Length, status, command.FrameLength, error, random)), random);
        var sequenceStatus = parser.TryParse(sequence, out var sequenceCommand, out var sequenceError);
        Invariant.Equal(status, sequenceStatus, $"sequence status at {offset}");
        if (status == ParseStatus.Complete)
        {
            CheckComplete(parser, input, command, sequenceCommand);
        }
        else if (status == ParseStatus.Invalid)
        {
            FrameStream.CheckInvalid(input, error, sequenceError);
            Invariant.That(!error.IsRecoverable || error.Version == ProtocolVersion.V1, "a recoverable version-0 error");
        }

        frameLength = command.FrameLength;
        return status;
    }

    private static void CheckComplete(CommandParser parser, ReadOnlySpan<byte> input, in CommandView command, in CommandSequenceView sequenceCommand)
    {
        Invariant.That(command.FrameLength > 0 && command.FrameLength <= input.Length, $"frame length {command.FrameLength} of {input.Length}");
        Invariant.That(command.FrameLength <= parser.Limits.MaxFrameBytes, $"frame of {command.FrameLength} bytes passed a {parser.Limits.MaxFrameBytes}-byte limit");
        Invariant.That(FrameFormat.IsSupported(command.Version) && FrameFormat.IsKnown(command.Kind), $"unknown {command.Version}/{command.Kind} completed");
        Invariant.That(command.Version == ProtocolVersion.V1 || command.RequestId == 0, "version 0 with a request id");
        Invariant.That(command.Kind != CommandKind.Ping || command.Key.IsEmpty, "PING with a key");
        var spec = CommandTable.Find(command.Kind, command.Version);
        Invariant.That(spec is not null, $"{command.Kind} completed in version {command.Version}, which does not have it");
        Invariant.That(spec!.HasValue || command.Value.IsEmpty, $"{spec} with a value");
        Invariant.That(spec.HasFlags || command.Flags == 0, $"{spec} with flags");
        Invariant.That(spec.HasTime || command.Time == 0, $"{spec} with a time");

        var frame = input.Slice(0, command.FrameLength);
        var encoded = new byte[CommandEncoder.GetEncodedLength(command.Version, command.Kind, command.Key.Length, command.Value.Length)];
        var written = CommandEncoder.Encode(encoded, command.Version, command.Kind, command.RequestId, command.Key, command.Value, command.Flags, command.Time);
        Invariant.Equal(encoded.Length, written, "encoded length");
        Invariant.SameBytes(frame, encoded, "re-encoded command");

        var owned = command.ToCommand();
        var writer = new ArrayBufferWriter<byte>();
        CommandEncoder.Encode(writer, owned);
        Invariant.SameBytes(frame, writer.WrittenSpan, "owned command re-encoded");

        Invariant.That(owned.Equals(sequenceCommand.ToCommand()), $"sequence parser disagrees: {owned} vs {sequenceCommand.ToCommand()}");
        Invariant.Equal(command.FrameLength, sequenceCommand.FrameLength, "sequence frame length");

        var shorter = parser.TryParse(frame.Slice(0, frame.Length - 1), out _, out _);
        Invariant.Equal(ParseStatus.NeedMoreData, shorter, "a complete frame less its last byte");
    }
}
