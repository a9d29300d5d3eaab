using System.Buffers;

namespace Kv.Protocol;

/// <summary>
/// A parsed response whose payload is a slice of a <see cref="ReadOnlySequence{T}"/>: no copy, no allocation.
/// Valid only as long as that buffer is.
/// </summary>
public readonly struct ResponseSequenceView
{
    internal ResponseSequenceView(ProtocolVersion version, ResponseStatus status, uint requestId, ProtocolErrorCode errorCode, ReadOnlySequence<byte> payload, int frameLength)
    {
        Version = version;
        Status = status;
        RequestId = requestId;
        ErrorCode = errorCode;
        Payload = payload;
        FrameLength = frameLength;
    }

    /// <summary>The protocol version of the response.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>OK, ERROR or (version 1) NOT_FOUND.</summary>
    public ResponseStatus Status { get; }

    /// <summary>The request id this response answers (version 1); always 0 in version 0.</summary>
    public uint RequestId { get; }

    /// <summary>For a version-1 ERROR, the error code; otherwise <see cref="ProtocolErrorCode.None"/>.</summary>
    public ProtocolErrorCode ErrorCode { get; }

    /// <summary>The result bytes for OK, the UTF-8 message for ERROR (without its code), empty for NOT_FOUND.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>The frame's total length in bytes.</summary>
    public int FrameLength { get; }

    /// <summary>Reads SETX's answer: what the write did, and the previous value when it was asked for and the key existed.</summary>
    /// <returns>False unless this is a version-1 OK whose body has SETX's layout (<see cref="ReplyFormat.TryReadSetReply"/>).</returns>
    public bool TryReadSetReply(out SetReplyFlags flags, out ReadOnlySequence<byte> previousValue)
    {
        flags = default;
        previousValue = default;
        if (!IsV1Ok || Payload.IsEmpty)
        {
            return false;
        }

        // The result byte alone decides the layout: read it, and check it on a body of its own plus one byte of value.
        Span<byte> head = stackalloc byte[2];
        var headLength = (int)Math.Min(head.Length, Payload.Length);
        Payload.Slice(0, headLength).CopyTo(head);
        if (!ReplyFormat.TryReadSetReply(head.Slice(0, headLength), out flags, out _))
        {
            return false;
        }

        previousValue = Payload.Slice(ReplyFormat.SetReplyHeaderSize);
        return true;
    }

    /// <summary>Reads the answer of EXPIRE or PERSIST: whether the change was made.</summary>
    /// <returns>False unless this is a version-1 OK with one byte of 0 or 1.</returns>
    public bool TryReadApplied(out bool applied)
    {
        applied = false;
        if (!IsV1Ok || Payload.Length != ReplyFormat.AppliedSize)
        {
            return false;
        }

        Span<byte> body = stackalloc byte[ReplyFormat.AppliedSize];
        Payload.CopyTo(body);
        return ReplyFormat.TryReadApplied(body, out applied);
    }

    /// <summary>Reads TTL's answer: the milliseconds left, or <see cref="ReplyFormat.NoExpiry"/> for a key without an expiry.</summary>
    /// <returns>False unless this is a version-1 OK with TTL's 8 bytes (a missing key is NOT_FOUND).</returns>
    public bool TryReadTimeToLive(out long milliseconds)
    {
        milliseconds = 0;
        if (!IsV1Ok || Payload.Length != ReplyFormat.TimeToLiveSize)
        {
            return false;
        }

        Span<byte> body = stackalloc byte[ReplyFormat.TimeToLiveSize];
        Payload.CopyTo(body);
        return ReplyFormat.TryReadTimeToLive(body, out milliseconds);
    }

    /// <summary>Copies the response into an owned <see cref="Response"/>.</summary>
    public Response ToResponse() => new(Status, Payload.ToArray(), Version, RequestId, ErrorCode);

    private bool IsV1Ok => Status == ResponseStatus.Ok && Version != ProtocolVersion.V0;
}
