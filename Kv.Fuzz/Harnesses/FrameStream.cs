using Kv.Protocol;

namespace Kv.Fuzz.Harnesses;

/// <summary>
/// What the command and the response harness share: walking any bytes frame after frame with each parser, the way a
/// connection does (past complete frames and recoverable errors, stopping at NeedMoreData or a fatal error), and the
/// checks of an invalid frame that hold for both parsers.
/// </summary>
internal static class FrameStream
{
    /// <summary>
    /// Parses at the start of <paramref name="input"/> (the stream from <paramref name="offset"/>), checks that answer,
    /// and returns it with the frame's length (complete) or the error (invalid).
    /// </summary>
    public delegate ParseStatus Step<TParser>(TParser parser, ReadOnlySpan<byte> input, int offset, Random random, out int frameLength, out ProtocolError error);

    public static void Walk<TParser>(byte[] data, TParser[] parsers, Step<TParser> step)
    {
        var random = new Random(Segments.SeedOf(data));
        foreach (var parser in parsers)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                var status = step(parser, data.AsSpan(offset), offset, random, out var frameLength, out var error);
                if (status == ParseStatus.Complete)
                {
                    offset += frameLength;
                }
                else if (status == ParseStatus.Invalid && error.IsRecoverable)
                {
                    offset += error.FrameLength;
                }
                else
                {
                    Invariant.That(status is ParseStatus.NeedMoreData or ParseStatus.Invalid, $"unknown status {status}");
                    break;
                }
            }
        }
    }

    // The sequence parser gets the span parser's frame plus up to 16 bytes after it (all of the rest only for the last
    // answer, NeedMoreData or a fatal error): cutting the whole remaining input for every frame of a long stream would
    // make an execution quadratic in the input's length.
    public static int Window(int length, ParseStatus status, int frameLength, in ProtocolError error, Random random)
    {
        var frame = status == ParseStatus.Complete ? frameLength : status == ParseStatus.Invalid && error.IsRecoverable ? error.FrameLength : length;
        return (int)Math.Min(length, (long)frame + random.Next(17));
    }

    /// <summary>The span and the sequence parser reported the same error, and it is well formed.</summary>
    public static void CheckInvalid(ReadOnlySpan<byte> input, in ProtocolError error, in ProtocolError sequenceError)
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
