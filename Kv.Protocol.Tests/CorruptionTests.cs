using Kv.Protocol.Tests.Support;

namespace Kv.Protocol.Tests;

/// <summary>
/// All 256 values at every byte position of every sample frame (header, command or status, request id, body
/// length, string length prefixes, and the bytes they announce): the parser answers Invalid, NeedMoreData or
/// Complete, never throws, and a Complete frame re-encodes to exactly the bytes it was parsed from. Where the spec
/// fixes the answer (an unknown version, command or status, a changed request id or body length), the answer is
/// checked exactly.
/// </summary>
public class CorruptionTests
{
    private static readonly ProtocolErrorCode[] ParseErrors =
    [
        ProtocolErrorCode.UnsupportedVersion, ProtocolErrorCode.UnknownCommand, ProtocolErrorCode.StringTooLarge,
        ProtocolErrorCode.FrameTooLarge, ProtocolErrorCode.MalformedFrame, ProtocolErrorCode.UnknownStatus,
    ];

    private enum Field
    {
        Version,
        Command,
        Status,
        RequestId,
        BodyLength,
        Rest,
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var frame in SampleFrames.All)
        {
            yield return new TestCaseData(frame.Name, ProtocolLimits.DefaultMaxFrameBytes).SetArgDisplayNames(frame.Name, "default limit");
            yield return new TestCaseData(frame.Name, ProtocolLimits.MinimumMaxFrameBytes).SetArgDisplayNames(frame.Name, "64-byte limit");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void Every_single_byte_corruption_is_answered_without_throwing(string name, int maxFrameBytes)
    {
        var frame = SampleFrames.Named(name);
        var limits = maxFrameBytes == ProtocolLimits.DefaultMaxFrameBytes ? ProtocolLimits.Default : new ProtocolLimits(maxFrameBytes);
        var failures = new List<string>();
        var statuses = new HashSet<ParseStatus>();
        var input = new byte[frame.Bytes.Length];

        for (var position = 0; position < input.Length; position++)
        {
            for (var value = 0; value < 256; value++)
            {
                frame.Bytes.CopyTo(input, 0);
                input[position] = (byte)value;
                var where = $"byte {position} ({FieldAt(frame, position)}) = {value:x2}";
                try
                {
                    var outcome = Parse.Frame(frame.IsRequest, input, limits);
                    statuses.Add(outcome.Status);
                    failures.AddRange(CheckGeneral(frame, input, outcome).Select(f => $"{where}: {f}"));
                    var expected = Expected(frame, position, input, limits);
                    if (expected is not null && outcome != expected)
                    {
                        failures.Add($"{where}: {outcome}, expected {expected}");
                    }

                    var split = Parse.Frame(frame.IsRequest, Sequences.Cut(input, position), limits);
                    if (split != outcome)
                    {
                        failures.Add($"{where}: split at the corrupted byte {split}, whole {outcome}");
                    }
                }
                catch (Exception e)
                {
                    failures.Add($"{where}: threw {e.GetType().Name}: {e.Message}");
                }
            }
        }

        failures.Should().BeEmpty();
        statuses.Should().Contain([ParseStatus.Complete, ParseStatus.Invalid], "corrupting a frame both leaves valid frames and makes invalid ones");
    }

    /// <summary>What must hold for any input: a total answer, and a Complete frame that re-encodes to its input.</summary>
    private static IEnumerable<string> CheckGeneral(SampleFrame frame, byte[] input, Outcome outcome)
    {
        switch (outcome.Status)
        {
            case ParseStatus.NeedMoreData when outcome != Outcome.NeedMoreData:
                yield return $"NeedMoreData with a result or an error: {outcome}";
                break;
            case ParseStatus.Invalid when !ParseErrors.Contains(outcome.ErrorCode) || outcome.Message is not null || outcome.FrameLength != 0:
                yield return $"Invalid without a parse error, or with a result: {outcome}";
                break;
            case ParseStatus.Invalid when outcome.ErrorFrameLength != 0 && outcome.ErrorFrameLength > input.Length:
                yield return $"a recoverable error longer than the input: {outcome}";
                break;
            case ParseStatus.Complete when outcome.FrameLength <= 0 || outcome.FrameLength > input.Length || outcome.ErrorCode != ProtocolErrorCode.None:
                yield return $"Complete with a bad length or an error: {outcome}";
                break;
            case ParseStatus.Complete:
                var reEncoded = ReEncodeView(frame.IsRequest, input);
                if (!reEncoded.AsSpan().SequenceEqual(input.AsSpan(0, outcome.FrameLength)))
                {
                    yield return $"re-encodes to {Hex.Format(reEncoded)}, not the input's first {outcome.FrameLength} bytes {Hex.Format(input.AsSpan(0, outcome.FrameLength))}";
                }

                break;
            case ParseStatus.NeedMoreData:
            case ParseStatus.Invalid:
                break;
            default:
                yield return $"unknown status {outcome.Status}";
                break;
        }
    }

    /// <summary>The exact answer where the spec fixes it; null where only the general rules apply.</summary>
    private static Outcome? Expected(SampleFrame frame, int position, byte[] input, ProtocolLimits limits)
    {
        var v1 = frame.Version == ProtocolVersion.V1;
        var id = frame.RequestId;
        if (input[position] == frame.Bytes[position])
        {
            return frame.Whole;
        }

        switch (FieldAt(frame, position))
        {
            case Field.Version when input[0] > 1:
                return Outcome.Invalid(ProtocolErrorCode.UnsupportedVersion, input[0]);
            case Field.Command when CommandTable.Find((CommandKind)(input[1] << 8 | input[2]), frame.Version) is null:
                var command = input[1] << 8 | input[2];
                return v1
                    ? Outcome.Invalid(ProtocolErrorCode.UnknownCommand, command, ProtocolVersion.V1, id, input.Length)
                    : Outcome.Invalid(ProtocolErrorCode.UnknownCommand, command);
            case Field.Status when v1 && input[1] > 2:
                return Outcome.Invalid(ProtocolErrorCode.UnknownStatus, input[1], ProtocolVersion.V1, id, input.Length);
            case Field.Status when !v1 && input[1] > 1:
                return Outcome.Invalid(ProtocolErrorCode.UnknownStatus, input[1]);
            case Field.RequestId:
                var newId = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(frame.IsRequest ? 3 : 2));
                return Outcome.Complete(WithRequestId(frame.Message, newId), input.Length);
            case Field.BodyLength:
                var header = frame.IsRequest ? FrameFormat.V1RequestHeaderSize : FrameFormat.V1ResponseHeaderSize;
                var frameLength = header + (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(header - 4));
                if (frameLength > limits.MaxFrameBytes)
                {
                    return Outcome.Invalid(ProtocolErrorCode.FrameTooLarge, frameLength, ProtocolVersion.V1, id);
                }

                return frameLength > input.Length ? Outcome.NeedMoreData : null;
            default:
                return null;
        }
    }

    private static Field FieldAt(SampleFrame frame, int position) => (frame.IsRequest, frame.Version, position) switch
    {
        (_, _, 0) => Field.Version,
        (true, _, 1 or 2) => Field.Command,
        (false, _, 1) => Field.Status,
        (true, ProtocolVersion.V1, >= 3 and <= 6) => Field.RequestId,
        (true, ProtocolVersion.V1, >= 7 and <= 10) => Field.BodyLength,
        (false, ProtocolVersion.V1, >= 2 and <= 5) => Field.RequestId,
        (false, ProtocolVersion.V1, >= 6 and <= 9) => Field.BodyLength,
        _ => Field.Rest,
    };

    private static object WithRequestId(object message, uint requestId) => message switch
    {
        Command c => new Command(c.Kind, c.Key, c.Value, c.Flags, c.Time, c.Version, requestId),
        Response r => new Response(r.Status, r.Payload, r.Version, requestId, r.ErrorCode),
        _ => throw new ArgumentException("not a message", nameof(message)),
    };

    /// <summary>Parses <paramref name="input"/> and encodes the span view straight back, field by field.</summary>
    private static byte[] ReEncodeView(bool isRequest, byte[] input)
    {
        if (isRequest)
        {
            CommandParser.Default.TryParse(input, out var command, out _);
            var bytes = new byte[CommandEncoder.GetEncodedLength(command.Version, command.Kind, command.Key.Length, command.Value.Length)];
            CommandEncoder.Encode(bytes, command.Version, command.Kind, command.RequestId, command.Key, command.Value, command.Flags, command.Time);
            return bytes;
        }

        ResponseParser.Default.TryParse(input, out var response, out _);
        var encoded = new byte[ResponseEncoder.GetEncodedLength(response.Version, response.Status, response.Payload.Length)];
        ResponseEncoder.Encode(encoded, response.Version, response.Status, response.RequestId, response.Payload, response.ErrorCode);
        return encoded;
    }
}
