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

    public static void Run(byte[] data) => FrameStream.Walk(data, Parsers, Step);

    private static ParseStatus Step(ResponseParser parser, ReadOnlySpan<byte> input, int offset, Random random, out int frameLength, out ProtocolError error)
    {
        var status = parser.TryParse(input, out var response, out error);
        var sequence = Segments.Cut(input.Slice(0, FrameStream.Window(input.Length, status, response.FrameLength, error, random)), random);
        var sequenceStatus = parser.TryParse(sequence, out var sequenceResponse, out var sequenceError);
        Invariant.Equal(status, sequenceStatus, $"sequence status at {offset}");
        if (status == ParseStatus.Complete)
        {
            CheckComplete(parser, input, response, sequenceResponse);
        }
        else if (status == ParseStatus.Invalid)
        {
            FrameStream.CheckInvalid(input, error, sequenceError);
        }

        frameLength = response.FrameLength;
        return status;
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
}
