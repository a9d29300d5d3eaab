namespace Kv.Protocol;

/// <summary>
/// A parsed response whose payload is a slice of the parser's input: no copy, no allocation. Valid only as long
/// as that input is; <see cref="ToResponse"/> makes an owned copy.
/// </summary>
public readonly ref struct ResponseView
{
    internal ResponseView(ProtocolVersion version, ResponseStatus status, uint requestId, ProtocolErrorCode errorCode, ReadOnlySpan<byte> payload, int frameLength)
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
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The frame's total length in bytes.</summary>
    public int FrameLength { get; }

    /// <summary>Reads SETX's answer: what the write did, and the previous value when it was asked for and the key existed.</summary>
    /// <returns>False unless this is a version-1 OK whose body has SETX's layout (<see cref="ReplyFormat.TryReadSetReply"/>).</returns>
    public bool TryReadSetReply(out SetReplyFlags flags, out ReadOnlySpan<byte> previousValue)
    {
        if (IsV1Ok)
        {
            return ReplyFormat.TryReadSetReply(Payload, out flags, out previousValue);
        }

        flags = default;
        previousValue = default;
        return false;
    }

    /// <summary>Reads the answer of EXPIRE or PERSIST: whether the change was made.</summary>
    /// <returns>False unless this is a version-1 OK with one byte of 0 or 1.</returns>
    public bool TryReadApplied(out bool applied)
    {
        applied = false;
        return IsV1Ok && ReplyFormat.TryReadApplied(Payload, out applied);
    }

    /// <summary>Reads TTL's answer: the milliseconds left, or <see cref="ReplyFormat.NoExpiry"/> for a key without an expiry.</summary>
    /// <returns>False unless this is a version-1 OK with TTL's 8 bytes (a missing key is NOT_FOUND).</returns>
    public bool TryReadTimeToLive(out long milliseconds)
    {
        milliseconds = 0;
        return IsV1Ok && ReplyFormat.TryReadTimeToLive(Payload, out milliseconds);
    }

    /// <summary>Copies the response into an owned <see cref="Response"/>.</summary>
    public Response ToResponse() => new(Status, Payload.ToArray(), Version, RequestId, ErrorCode);

    private bool IsV1Ok => Status == ResponseStatus.Ok && Version != ProtocolVersion.V0;
}
