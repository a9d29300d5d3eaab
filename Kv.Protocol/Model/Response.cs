using System.Text;

namespace Kv.Protocol;

/// <summary>A response that owns its bytes: the form applications keep.</summary>
public sealed class Response : IEquatable<Response>
{
    /// <summary>Creates a response.</summary>
    /// <param name="status">OK, ERROR or (version 1) NOT_FOUND.</param>
    /// <param name="payload">The result for OK, the UTF-8 message for ERROR, empty for NOT_FOUND.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="requestId">The request id this answers (version 1).</param>
    /// <param name="errorCode">The error code of a version-1 ERROR.</param>
    public Response(ResponseStatus status, byte[] payload, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0, ProtocolErrorCode errorCode = ProtocolErrorCode.None)
    {
        Status = status;
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
        Version = version;
        RequestId = requestId;
        ErrorCode = errorCode;
    }

    /// <summary>OK, ERROR or (version 1) NOT_FOUND.</summary>
    public ResponseStatus Status { get; }

    /// <summary>The result for OK, the UTF-8 message for ERROR, empty for NOT_FOUND.</summary>
    public byte[] Payload { get; }

    /// <summary>The protocol version.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The request id this answers (version 1).</summary>
    public uint RequestId { get; }

    /// <summary>The error code of a version-1 ERROR; otherwise <see cref="ProtocolErrorCode.None"/>.</summary>
    public ProtocolErrorCode ErrorCode { get; }

    /// <summary>The payload decoded as UTF-8.</summary>
    public string PayloadText => Encoding.UTF8.GetString(Payload);

    /// <summary>An OK response carrying <paramref name="payload"/>.</summary>
    public static Response Ok(byte[] payload, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => new(ResponseStatus.Ok, payload, version, requestId);

    /// <summary>An OK response carrying the UTF-8 bytes of <paramref name="payload"/>.</summary>
    public static Response Ok(string payload, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0) => Ok(Encoding.UTF8.GetBytes(payload), version, requestId);

    /// <summary>A NOT_FOUND response (version 1 only).</summary>
    public static Response NotFound(uint requestId = 0) => new(ResponseStatus.NotFound, [], ProtocolVersion.V1, requestId);

    /// <summary>An ERROR response with a message (and, in version 1, an error code).</summary>
    public static Response Error(string message, ProtocolVersion version = ProtocolVersion.V0, uint requestId = 0, ProtocolErrorCode code = ProtocolErrorCode.ServerError) =>
        new(ResponseStatus.Error, Encoding.UTF8.GetBytes(message), version, requestId, version == ProtocolVersion.V0 ? ProtocolErrorCode.None : code);

    /// <summary>SETX's OK answer (version 1): what the write did, then the previous value when asked for and the key existed.</summary>
    /// <exception cref="ArgumentException">Unknown result bits, or a previous value without <see cref="SetReplyFlags.Existed"/>.</exception>
    public static Response SetReply(SetReplyFlags flags, byte[]? previousValue = null, uint requestId = 0)
    {
        previousValue ??= [];
        ReplyFormat.CheckSetReply(flags, previousValue.Length);
        var payload = new byte[ReplyFormat.SetReplyHeaderSize + previousValue.Length];
        payload[0] = (byte)flags;
        previousValue.CopyTo(payload, ReplyFormat.SetReplyHeaderSize);
        return Ok(payload, ProtocolVersion.V1, requestId);
    }

    /// <summary>The OK answer of EXPIRE or PERSIST (version 1): one byte, 1 when the change was made, 0 when not.</summary>
    public static Response Applied(bool applied, uint requestId = 0) => Ok([applied ? (byte)1 : (byte)0], ProtocolVersion.V1, requestId);

    /// <summary>TTL's OK answer (version 1): the milliseconds left (0 or more), or <see cref="ReplyFormat.NoExpiry"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="milliseconds"/> is below -1.</exception>
    public static Response TimeToLive(long milliseconds, uint requestId = 0)
    {
        ReplyFormat.CheckTimeToLive(milliseconds);
        var payload = new byte[ReplyFormat.TimeToLiveSize];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(payload, milliseconds);
        return Ok(payload, ProtocolVersion.V1, requestId);
    }

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

    /// <inheritdoc />
    public bool Equals(Response? other) =>
        other is not null && Status == other.Status && Version == other.Version && RequestId == other.RequestId
        && ErrorCode == other.ErrorCode && Payload.AsSpan().SequenceEqual(other.Payload);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Response);

    /// <inheritdoc />
    public override int GetHashCode() => ((int)Status * 31 + Payload.Length) * 31 + (int)RequestId;

    /// <inheritdoc />
    public override string ToString() => $"{Status} v{(byte)Version} id={RequestId} payload[{Payload.Length}]";

    private bool IsV1Ok => Status == ResponseStatus.Ok && Version != ProtocolVersion.V0;
}
