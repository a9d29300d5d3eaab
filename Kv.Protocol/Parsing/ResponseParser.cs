using System.Buffers;

namespace Kv.Protocol;

/// <summary>
/// Parses responses of protocol versions 0 and 1, one frame per call. Incremental and total like
/// <see cref="CommandParser"/>: never throws for bad input, never allocates. Immutable and thread-safe.
/// </summary>
public sealed class ResponseParser
{
    private readonly long _maxFrameBytes;

    /// <summary>Creates a parser that enforces <paramref name="limits"/>.</summary>
    public ResponseParser(ProtocolLimits limits)
    {
        Limits = limits ?? throw new ArgumentNullException(nameof(limits));
        _maxFrameBytes = limits.MaxFrameBytes;
    }

    /// <summary>A parser with <see cref="ProtocolLimits.Default"/>.</summary>
    public static ResponseParser Default { get; } = new(ProtocolLimits.Default);

    /// <summary>The limits this parser enforces.</summary>
    public ProtocolLimits Limits { get; }

    /// <summary>
    /// Parses the response at the start of <paramref name="input"/>. On <see cref="ParseStatus.Complete"/> the frame
    /// used <see cref="ResponseView.FrameLength"/> bytes and its payload is a slice of <paramref name="input"/>.
    /// </summary>
    /// <param name="input">Bytes received so far, starting at a frame boundary.</param>
    /// <param name="response">The response, when the result is <see cref="ParseStatus.Complete"/>.</param>
    /// <param name="error">Why the input was rejected, when the result is <see cref="ParseStatus.Invalid"/>.</param>
    public ParseStatus TryParse(ReadOnlySpan<byte> input, out ResponseView response, out ProtocolError error)
    {
        var status = ParseLayout(new FrameBytes(input), out var layout, out error);
        response = status == ParseStatus.Complete
            ? new ResponseView(layout.Version, (ResponseStatus)layout.Code, layout.RequestId, layout.ErrorCode,
                input.Slice(layout.ValueOffset, layout.ValueLength), layout.FrameLength)
            : default;
        return status;
    }

    /// <summary>
    /// Parses the response at the start of <paramref name="input"/>, which may be split across segments anywhere.
    /// </summary>
    /// <param name="input">Bytes received so far, starting at a frame boundary.</param>
    /// <param name="response">The response, when the result is <see cref="ParseStatus.Complete"/>.</param>
    /// <param name="error">Why the input was rejected, when the result is <see cref="ParseStatus.Invalid"/>.</param>
    public ParseStatus TryParse(in ReadOnlySequence<byte> input, out ResponseSequenceView response, out ProtocolError error)
    {
        var status = ParseLayout(new FrameBytes(input), out var layout, out error);
        response = status == ParseStatus.Complete
            ? new ResponseSequenceView(layout.Version, (ResponseStatus)layout.Code, layout.RequestId, layout.ErrorCode,
                input.Slice(layout.ValueOffset, layout.ValueLength), layout.FrameLength)
            : default;
        return status;
    }

    private ParseStatus ParseLayout(in FrameBytes input, out FrameLayout layout, out ProtocolError error)
    {
        layout = default;
        error = default;
        if (input.Length < 1)
        {
            return ParseStatus.NeedMoreData;
        }

        var version = input.ReadByte(0);
        switch (version)
        {
            case (byte)ProtocolVersion.V0:
                return ParseV0(in input, ref layout, out error);
            case (byte)ProtocolVersion.V1:
                return ParseV1(in input, ref layout, out error);
            default:
                error = new ProtocolError(ProtocolErrorCode.UnsupportedVersion, version);
                return ParseStatus.Invalid;
        }
    }

    private ParseStatus ParseV0(in FrameBytes input, ref FrameLayout layout, out ProtocolError error)
    {
        error = default;
        if (input.Length < FrameFormat.V0ResponseHeaderSize)
        {
            return ParseStatus.NeedMoreData;
        }

        var status = input.ReadByte(1);
        if (status > (byte)ResponseStatus.Error)
        {
            error = new ProtocolError(ProtocolErrorCode.UnknownStatus, status);
            return ParseStatus.Invalid;
        }

        const int payloadOffset = FrameFormat.V0ResponseHeaderSize + FrameFormat.StringLengthSize;
        if (input.Length < payloadOffset)
        {
            return ParseStatus.NeedMoreData;
        }

        long length = input.ReadUInt32(FrameFormat.V0ResponseHeaderSize);
        if (payloadOffset + length > _maxFrameBytes)
        {
            error = new ProtocolError(ProtocolErrorCode.StringTooLarge, length);
            return ParseStatus.Invalid;
        }

        if (input.Length < payloadOffset + length)
        {
            return ParseStatus.NeedMoreData;
        }

        layout.Version = ProtocolVersion.V0;
        layout.Code = status;
        layout.ValueOffset = payloadOffset;
        layout.ValueLength = (int)length;
        layout.FrameLength = payloadOffset + (int)length;
        return ParseStatus.Complete;
    }

    private ParseStatus ParseV1(in FrameBytes input, ref FrameLayout layout, out ProtocolError error)
    {
        error = default;
        if (input.Length < FrameFormat.V1ResponseHeaderSize)
        {
            return ParseStatus.NeedMoreData;
        }

        var status = input.ReadByte(1);
        var requestId = input.ReadUInt32(2);
        long bodyLength = input.ReadUInt32(6);
        var frameLength = FrameFormat.V1ResponseHeaderSize + bodyLength;
        if (frameLength > _maxFrameBytes)
        {
            error = new ProtocolError(ProtocolErrorCode.FrameTooLarge, frameLength, ProtocolVersion.V1, requestId);
            return ParseStatus.Invalid;
        }

        if (input.Length < frameLength)
        {
            return ParseStatus.NeedMoreData;
        }

        var frame = (int)frameLength;
        layout.Version = ProtocolVersion.V1;
        layout.Code = status;
        layout.RequestId = requestId;
        layout.FrameLength = frame;
        layout.ValueOffset = FrameFormat.V1ResponseHeaderSize;
        layout.ValueLength = (int)bodyLength;
        switch ((ResponseStatus)status)
        {
            case ResponseStatus.Ok:
                return ParseStatus.Complete;
            case ResponseStatus.NotFound when bodyLength == 0:
                return ParseStatus.Complete;
            case ResponseStatus.Error when bodyLength >= FrameFormat.ErrorCodeSize:
                layout.ErrorCode = (ProtocolErrorCode)input.ReadUInt16(FrameFormat.V1ResponseHeaderSize);
                layout.ValueOffset += FrameFormat.ErrorCodeSize;
                layout.ValueLength -= FrameFormat.ErrorCodeSize;
                return ParseStatus.Complete;
            case ResponseStatus.NotFound:
            case ResponseStatus.Error:
                error = new ProtocolError(ProtocolErrorCode.MalformedFrame, FrameFormat.V1ResponseHeaderSize, ProtocolVersion.V1, requestId, frame);
                return ParseStatus.Invalid;
            default:
                error = new ProtocolError(ProtocolErrorCode.UnknownStatus, status, ProtocolVersion.V1, requestId, frame);
                return ParseStatus.Invalid;
        }
    }
}
