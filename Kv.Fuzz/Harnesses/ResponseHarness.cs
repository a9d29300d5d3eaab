using System.Buffers;
using Kv.Protocol;

namespace Kv.Fuzz.Harnesses;

/// <summary>
/// The response parser on any bytes, frame after frame, with the default limits and with the smallest limit: it never
/// throws; a complete response lies within the input, is re-encoded by <see cref="ResponseEncoder"/> to exactly the
/// bytes it was parsed from, and is not complete one byte shorter; and the sequence parser over random segments
/// agrees with the span parser on every answer.
/// </summary>
public static class ResponseHarness
{
    private static readonly ResponseParser[] Parsers = [ResponseParser.Default, new(new ProtocolLimits(ProtocolLimits.MinimumMaxFrameBytes))];

    public static void Run(byte[] data)
    {
        var random = new Random(Segments.SeedOf(data));
        foreach (var parser in Parsers)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                var input = data.AsSpan(offset);
                var status = parser.TryParse(input, out var response, out var error);
                var sequence = Segments.Cut(input.Slice(0, Window(input.Length, status, response.FrameLength, error, random)), random);
                var sequenceStatus = parser.TryParse(sequence, out var sequenceResponse, out var sequenceError);
                Invariant.Equal(status, sequenceStatus, $"sequence status at {offset}");
                switch (status)
                {
                    case ParseStatus.Complete:
                        CheckComplete(parser, input, response, sequenceResponse);
                        offset += response.FrameLength;
                        continue;
                    case ParseStatus.Invalid:
                        CheckInvalid(input, error, sequenceError);
                        if (!error.IsRecoverable)
                        {
                            break;
                        }

                        offset += error.FrameLength;
                        continue;
                    default:
                        Invariant.That(status == ParseStatus.NeedMoreData, $"unknown status {status}");
                        break;
                }

                break;
            }
        }
    }

    // The sequence parser gets the span parser's frame plus up to 16 bytes after it (all of the rest only for the last
    // answer, NeedMoreData or a fatal error): cutting the whole remaining input for every frame of a long stream would
    // make an execution quadratic in the input's length.
    private static int Window(int length, ParseStatus status, int frameLength, in ProtocolError error, Random random)
    {
        var frame = status == ParseStatus.Complete ? frameLength : status == ParseStatus.Invalid && error.IsRecoverable ? error.FrameLength : length;
        return (int)Math.Min(length, (long)frame + random.Next(17));
    }

    private static void CheckComplete(ResponseParser parser, ReadOnlySpan<byte> input, in ResponseView response, in ResponseSequenceView sequenceResponse)
    {
        Invariant.That(response.FrameLength > 0 && response.FrameLength <= input.Length, $"frame length {response.FrameLength} of {input.Length}");
        Invariant.That(response.FrameLength <= parser.Limits.MaxFrameBytes, $"frame of {response.FrameLength} bytes passed a {parser.Limits.MaxFrameBytes}-byte limit");
        Invariant.That(FrameFormat.IsSupported(response.Version), $"unsupported {response.Version} completed");
        Invariant.That(response.Status <= ResponseStatus.NotFound, $"unknown status {response.Status} completed");
        Invariant.That(response.Version == ProtocolVersion.V1 || (response.Status != ResponseStatus.NotFound && response.RequestId == 0), "version 0 with NOT_FOUND or a request id");
        Invariant.That(response.Status == ResponseStatus.Error || response.ErrorCode == ProtocolErrorCode.None, "an error code outside ERROR");

        var frame = input.Slice(0, response.FrameLength);
        var encoded = new byte[ResponseEncoder.GetEncodedLength(response.Version, response.Status, response.Payload.Length)];
        var written = ResponseEncoder.Encode(encoded, response.Version, response.Status, response.RequestId, response.Payload, response.ErrorCode);
        Invariant.Equal(encoded.Length, written, "encoded length");
        Invariant.SameBytes(frame, encoded, "re-encoded response");

        var owned = response.ToResponse();
        var writer = new ArrayBufferWriter<byte>();
        ResponseEncoder.Encode(writer, owned);
        Invariant.SameBytes(frame, writer.WrittenSpan, "owned response re-encoded");

        Invariant.That(owned.Equals(sequenceResponse.ToResponse()), $"sequence parser disagrees: {owned} vs {sequenceResponse.ToResponse()}");
        Invariant.Equal(response.FrameLength, sequenceResponse.FrameLength, "sequence frame length");

        var shorter = parser.TryParse(frame.Slice(0, frame.Length - 1), out _, out _);
        Invariant.Equal(ParseStatus.NeedMoreData, shorter, "a complete response less its last byte");
    }

    private static void CheckInvalid(ReadOnlySpan<byte> input, in ProtocolError error, in ProtocolError sequenceError)
    {
        Invariant.That(error.Code != ProtocolErrorCode.None, "invalid without an error code");
        Invariant.Equal(error.Code, sequenceError.Code, "sequence error code");
        Invariant.Equal(error.Detail, sequenceError.Detail, "sequence error detail");
        Invariant.Equal(error.Version, sequenceError.Version, "sequence error version");
        Invariant.Equal(error.RequestId, sequenceError.RequestId, "sequence error request id");
        Invariant.Equal(error.FrameLength, sequenceError.FrameLength, "sequence error frame length");
        Invariant.That(error.FrameLength >= 0 && error.FrameLength <= input.Length, $"error frame length {error.FrameLength} of {input.Length}");
        Invariant.That(!string.IsNullOrEmpty(error.ToString()), "an error without a message");
    }
}
