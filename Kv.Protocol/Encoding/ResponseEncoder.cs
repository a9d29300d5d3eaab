using System.Buffers;
using System.Buffers.Binary;

namespace Kv.Protocol;

/// <summary>
/// Encodes responses of protocol versions 0 and 1. The exact size is known up front
/// (<see cref="GetEncodedLength"/>); encoding writes straight into the destination and never allocates.
/// </summary>
public static class ResponseEncoder
{
    /// <summary>The exact number of bytes a response with a payload of <paramref name="payloadLength"/> bytes takes.</summary>
    /// <param name="version">The protocol version.</param>
    /// <param name="status">OK, ERROR, or (version 1 only) NOT_FOUND.</param>
    /// <param name="payloadLength">The result's length for OK, the message's for ERROR; 0 for NOT_FOUND.</param>
    public static int GetEncodedLength(ProtocolVersion version, ResponseStatus status, int payloadLength)
    {
        Validate(version, status, payloadLength);
        long length = version == ProtocolVersion.V1
            ? FrameFormat.V1ResponseHeaderSize + (status == ResponseStatus.Error ? FrameFormat.ErrorCodeSize : 0) + (long)payloadLength
            : FrameFormat.V0ResponseHeaderSize + FrameFormat.StringLengthSize + (long)payloadLength;
        if (length > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), "The encoded response would exceed 2 GiB.");
        }

        return (int)length;
    }

    /// <summary>Encodes a response into <paramref name="destination"/> and returns the number of bytes written.</summary>
    /// <param name="destination">Where to write; at least <see cref="GetEncodedLength"/> bytes.</param>
    /// <param name="version">The protocol version (that of the request being answered).</param>
    /// <param name="status">OK, ERROR, or (version 1 only) NOT_FOUND.</param>
    /// <param name="requestId">The request id being answered (version 1; ignored by version 0).</param>
    /// <param name="payload">The result for OK, the UTF-8 message for ERROR; empty for NOT_FOUND.</param>
    /// <param name="errorCode">The error code of a version-1 ERROR (ignored otherwise).</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small, or NOT_FOUND in version 0 or with a payload.</exception>
    public static int Encode(Span<byte> destination, ProtocolVersion version, ResponseStatus status, uint requestId, ReadOnlySpan<byte> payload, ProtocolErrorCode errorCode = ProtocolErrorCode.None)
    {
        var length = GetEncodedLength(version, status, payload.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the response needs {length}.", nameof(destination));
        }

        destination[0] = (byte)version;
        if (version == ProtocolVersion.V0)
        {
            destination[1] = (byte)status;
            CommandEncoder.WriteString(destination.Slice(FrameFormat.V0ResponseHeaderSize), payload);
            return length;
        }

        WriteV1Header(destination, status, requestId, length);
        var position = FrameFormat.V1ResponseHeaderSize;
        if (status == ResponseStatus.Error)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(position), (ushort)errorCode);
            position += FrameFormat.ErrorCodeSize;
        }

        payload.CopyTo(destination.Slice(position));
        return length;
    }

    /// <summary>The exact size of SETX's OK answer carrying a previous value of <paramref name="previousValueLength"/> bytes (0 for none).</summary>
    /// <param name="version">The protocol version (1 or later: SETX has no version-0 form).</param>
    /// <param name="previousValueLength">The previous value's length, or 0.</param>
    public static int GetSetReplyLength(ProtocolVersion version, int previousValueLength)
    {
        if (previousValueLength is < 0 or > int.MaxValue - ReplyFormat.SetReplyHeaderSize)
        {
            throw new ArgumentOutOfRangeException(nameof(previousValueLength), previousValueLength, "The previous value's length is out of range.");
        }

        return GetEncodedLength(RequireV1(version), ResponseStatus.Ok, ReplyFormat.SetReplyHeaderSize + previousValueLength);
    }

    /// <summary>
    /// Encodes SETX's OK answer into <paramref name="destination"/>: the result byte, then the previous value when SETX
    /// asked for it and the key existed. Returns the number of bytes written.
    /// </summary>
    /// <param name="destination">Where to write; at least <see cref="GetSetReplyLength"/> bytes.</param>
    /// <param name="version">The protocol version of the request (1 or later).</param>
    /// <param name="requestId">The request id being answered.</param>
    /// <param name="flags">What the write did.</param>
    /// <param name="previousValue">The key's previous value; empty when not asked for or when the key did not exist.</param>
    /// <exception cref="ArgumentException">The destination is too small, unknown result bits, or a previous value without <see cref="SetReplyFlags.Existed"/>.</exception>
    public static int EncodeSetReply(Span<byte> destination, ProtocolVersion version, uint requestId, SetReplyFlags flags, ReadOnlySpan<byte> previousValue)
    {
        ReplyFormat.CheckSetReply(flags, previousValue.Length);
        var length = GetSetReplyLength(version, previousValue.Length);
        var body = Begin(destination, version, requestId, length);
        body[0] = (byte)flags;
        previousValue.CopyTo(body.Slice(ReplyFormat.SetReplyHeaderSize));
        return length;
    }

    /// <summary>Encodes SETX's OK answer into <paramref name="writer"/> (one <c>GetSpan</c>, one <c>Advance</c>) and returns its length.</summary>
    /// <inheritdoc cref="EncodeSetReply(Span{byte}, ProtocolVersion, uint, SetReplyFlags, ReadOnlySpan{byte})"/>
    public static int EncodeSetReply(IBufferWriter<byte> writer, ProtocolVersion version, uint requestId, SetReplyFlags flags, ReadOnlySpan<byte> previousValue)
    {
        if (writer is null)
        {
            throw new ArgumentNullException(nameof(writer));
        }

        ReplyFormat.CheckSetReply(flags, previousValue.Length);
        var length = EncodeSetReply(writer.GetSpan(GetSetReplyLength(version, previousValue.Length)), version, requestId, flags, previousValue);
        writer.Advance(length);
        return length;
    }

    /// <summary>Encodes the OK answer of EXPIRE or PERSIST (one byte: 1 the change was made, 0 not) and returns its length.</summary>
    /// <param name="destination">Where to write; at least 11 bytes.</param>
    /// <param name="version">The protocol version of the request (1 or later).</param>
    /// <param name="requestId">The request id being answered.</param>
    /// <param name="applied">Whether the change was made.</param>
    public static int EncodeAppliedReply(Span<byte> destination, ProtocolVersion version, uint requestId, bool applied)
    {
        var length = GetEncodedLength(RequireV1(version), ResponseStatus.Ok, ReplyFormat.AppliedSize);
        Begin(destination, version, requestId, length)[0] = applied ? (byte)1 : (byte)0;
        return length;
    }

    /// <summary>Encodes the OK answer of EXPIRE or PERSIST into <paramref name="writer"/> and returns its length.</summary>
    /// <inheritdoc cref="EncodeAppliedReply(Span{byte}, ProtocolVersion, uint, bool)"/>
    public static int EncodeAppliedReply(IBufferWriter<byte> writer, ProtocolVersion version, uint requestId, bool applied)
    {
        if (writer is null)
        {
            throw new ArgumentNullException(nameof(writer));
        }

        var length = EncodeAppliedReply(writer.GetSpan(GetEncodedLength(RequireV1(version), ResponseStatus.Ok, ReplyFormat.AppliedSize)), version, requestId, applied);
        writer.Advance(length);
        return length;
    }

    /// <summary>Encodes the OK answer of TTL (a big-endian i64) and returns its length.</summary>
    /// <param name="destination">Where to write; at least 18 bytes.</param>
    /// <param name="version">The protocol version of the request (1 or later).</param>
    /// <param name="requestId">The request id being answered.</param>
    /// <param name="milliseconds">The milliseconds the key has left (0 or more), or <see cref="ReplyFormat.NoExpiry"/>; a missing key is answered NOT_FOUND instead.</param>
    public static int EncodeTimeToLiveReply(Span<byte> destination, ProtocolVersion version, uint requestId, long milliseconds)
    {
        ReplyFormat.CheckTimeToLive(milliseconds);
        var length = GetEncodedLength(RequireV1(version), ResponseStatus.Ok, ReplyFormat.TimeToLiveSize);
        BinaryPrimitives.WriteInt64BigEndian(Begin(destination, version, requestId, length), milliseconds);
        return length;
    }

    /// <summary>Encodes the OK answer of TTL into <paramref name="writer"/> and returns its length.</summary>
    /// <inheritdoc cref="EncodeTimeToLiveReply(Span{byte}, ProtocolVersion, uint, long)"/>
    public static int EncodeTimeToLiveReply(IBufferWriter<byte> writer, ProtocolVersion version, uint requestId, long milliseconds)
    {
        if (writer is null)
        {
            throw new ArgumentNullException(nameof(writer));
        }

        ReplyFormat.CheckTimeToLive(milliseconds);
        var length = EncodeTimeToLiveReply(writer.GetSpan(GetEncodedLength(RequireV1(version), ResponseStatus.Ok, ReplyFormat.TimeToLiveSize)), version, requestId, milliseconds);
        writer.Advance(length);
        return length;
    }

    // The typed answers belong to version-1 commands: version 0 has neither those commands nor a bare OK body.
    private static ProtocolVersion RequireV1(ProtocolVersion version) => version == ProtocolVersion.V0
        ? throw new ArgumentOutOfRangeException(nameof(version), version, "The expiry commands' answers exist from protocol version 1.")
        : version;

    // Writes a version-1 OK header for a frame of `length` bytes and returns its body.
    private static Span<byte> Begin(Span<byte> destination, ProtocolVersion version, uint requestId, int length)
    {
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the response needs {length}.", nameof(destination));
        }

        destination[0] = (byte)version;
        WriteV1Header(destination, ResponseStatus.Ok, requestId, length);
        return destination.Slice(FrameFormat.V1ResponseHeaderSize, length - FrameFormat.V1ResponseHeaderSize);
    }

    // Status, request id and body length: what follows the version byte in every version-1 response.
    private static void WriteV1Header(Span<byte> destination, ResponseStatus status, uint requestId, int length)
    {
        destination[1] = (byte)status;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(2), requestId);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(6), (uint)(length - FrameFormat.V1ResponseHeaderSize));
    }

    /// <summary>The status of an encoded response (any version): the byte after the version.</summary>
    /// <param name="response">An encoded response, at least its first two bytes.</param>
    /// <exception cref="ArgumentException">Fewer than two bytes.</exception>
    public static ResponseStatus StatusOf(ReadOnlySpan<byte> response) =>
        response.Length >= 2 ? (ResponseStatus)response[1] : throw new ArgumentException("A response has at least two bytes.", nameof(response));

    /// <summary>Encodes a response into <paramref name="writer"/> (one <c>GetSpan</c>, one <c>Advance</c>) and returns its length.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="version">The protocol version (that of the request being answered).</param>
    /// <param name="status">OK, ERROR, or (version 1 only) NOT_FOUND.</param>
    /// <param name="requestId">The request id being answered (version 1; ignored by version 0).</param>
    /// <param name="payload">The result for OK, the UTF-8 message for ERROR; empty for NOT_FOUND.</param>
    /// <param name="errorCode">The error code of a version-1 ERROR (ignored otherwise).</param>
    public static int Encode(IBufferWriter<byte> writer, ProtocolVersion version, ResponseStatus status, uint requestId, ReadOnlySpan<byte> payload, ProtocolErrorCode errorCode = ProtocolErrorCode.None)
    {
        if (writer is null)
        {
            throw new ArgumentNullException(nameof(writer));
        }

        var length = GetEncodedLength(version, status, payload.Length);
        Encode(writer.GetSpan(length), version, status, requestId, payload, errorCode);
        writer.Advance(length);
        return length;
    }

    /// <summary>Encodes an owned <see cref="Response"/> into <paramref name="writer"/> and returns its length.</summary>
    public static int Encode(IBufferWriter<byte> writer, Response response)
    {
        if (response is null)
        {
            throw new ArgumentNullException(nameof(response));
        }

        return Encode(writer, response.Version, response.Status, response.RequestId, response.Payload, response.ErrorCode);
    }

    /// <summary>Encodes an owned <see cref="Response"/> into <paramref name="destination"/> and returns its length.</summary>
    public static int Encode(Span<byte> destination, Response response)
    {
        if (response is null)
        {
            throw new ArgumentNullException(nameof(response));
        }

        return Encode(destination, response.Version, response.Status, response.RequestId, response.Payload, response.ErrorCode);
    }

    private static void Validate(ProtocolVersion version, ResponseStatus status, int payloadLength)
    {
        if (payloadLength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(payloadLength), "A length cannot be negative.");
        }

        if (!FrameFormat.IsSupported(version))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Unsupported protocol version.");
        }

        if (status > ResponseStatus.NotFound)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown response status.");
        }

        if (status == ResponseStatus.NotFound && (version == ProtocolVersion.V0 || payloadLength != 0))
        {
            throw new ArgumentException("NOT_FOUND exists only in version 1 and carries no payload.", nameof(status));
        }
    }
}
