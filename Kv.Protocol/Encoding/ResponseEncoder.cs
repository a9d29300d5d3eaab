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
        destination[1] = (byte)status;
        if (version == ProtocolVersion.V0)
        {
            CommandEncoder.WriteString(destination.Slice(FrameFormat.V0ResponseHeaderSize), payload);
            return length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(2), requestId);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(6), (uint)(length - FrameFormat.V1ResponseHeaderSize));
        var position = FrameFormat.V1ResponseHeaderSize;
        if (status == ResponseStatus.Error)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(position), (ushort)errorCode);
            position += FrameFormat.ErrorCodeSize;
        }

        payload.CopyTo(destination.Slice(position));
        return length;
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
