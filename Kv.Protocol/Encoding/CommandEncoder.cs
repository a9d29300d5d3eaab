using System.Buffers;
using System.Buffers.Binary;

namespace Kv.Protocol;

/// <summary>
/// Encodes commands (requests) of protocol versions 0 and 1. The exact size is known up front
/// (<see cref="GetEncodedLength"/>); encoding writes straight into the destination and never allocates.
/// Bad arguments from the caller (an unknown command, a key on PING) throw: they are programming errors, not input.
/// </summary>
public static class CommandEncoder
{
    /// <summary>The exact number of bytes <see cref="Encode(Span{byte}, ProtocolVersion, CommandKind, uint, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> writes.</summary>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="keyLength">The key's length (0 for PING).</param>
    /// <param name="valueLength">The value's or PING message's length (0 for GET and CLEAR).</param>
    public static int GetEncodedLength(ProtocolVersion version, CommandKind kind, int keyLength, int valueLength)
    {
        var spec = Validate(version, kind, keyLength, valueLength);
        long length = HeaderSize(version) + ((long)FrameFormat.StringLengthSize * spec.Arguments.Count) + keyLength + valueLength;
        if (length > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(valueLength), "The encoded command would exceed 2 GiB.");
        }

        return (int)length;
    }

    /// <summary>Encodes a command into <paramref name="destination"/> and returns the number of bytes written.</summary>
    /// <param name="destination">Where to write; at least <see cref="GetEncodedLength"/> bytes.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="requestId">The request id (version 1; ignored by version 0, which has none).</param>
    /// <param name="key">The key of GET, SET and CLEAR; must be empty for PING.</param>
    /// <param name="value">The value of SET or message of PING; must be empty for GET and CLEAR.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small, or the arguments do not fit the command.</exception>
    public static int Encode(Span<byte> destination, ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var length = GetEncodedLength(version, kind, key.Length, value.Length);
        var spec = CommandTable.Find(kind)!;
        if (destination.Length < length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the command needs {length}.", nameof(destination));
        }

        destination[0] = (byte)version;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(1), (ushort)kind);
        var position = FrameFormat.V0RequestHeaderSize;
        if (version == ProtocolVersion.V1)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(3), requestId);
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(7), (uint)(length - FrameFormat.V1RequestHeaderSize));
            position = FrameFormat.V1RequestHeaderSize;
        }

        for (var i = 0; i < spec.Arguments.Count; i++)
        {
            position += WriteString(destination.Slice(position), i == spec.KeyIndex ? key : value);
        }

        return position;
    }

    /// <summary>Encodes a command into <paramref name="writer"/> (one <c>GetSpan</c>, one <c>Advance</c>) and returns its length.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="requestId">The request id (version 1; ignored by version 0).</param>
    /// <param name="key">The key of GET, SET and CLEAR; must be empty for PING.</param>
    /// <param name="value">The value of SET or message of PING; must be empty for GET and CLEAR.</param>
    public static int Encode(IBufferWriter<byte> writer, ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (writer is null)
        {
            throw new ArgumentNullException(nameof(writer));
        }

        var length = GetEncodedLength(version, kind, key.Length, value.Length);
        Encode(writer.GetSpan(length), version, kind, requestId, key, value);
        writer.Advance(length);
        return length;
    }

    /// <summary>Encodes an owned <see cref="Command"/> into <paramref name="writer"/> and returns its length.</summary>
    public static int Encode(IBufferWriter<byte> writer, Command command)
    {
        if (command is null)
        {
            throw new ArgumentNullException(nameof(command));
        }

        return Encode(writer, command.Version, command.Kind, command.RequestId, command.Key, command.Value);
    }

    /// <summary>Encodes an owned <see cref="Command"/> into <paramref name="destination"/> and returns its length.</summary>
    public static int Encode(Span<byte> destination, Command command)
    {
        if (command is null)
        {
            throw new ArgumentNullException(nameof(command));
        }

        return Encode(destination, command.Version, command.Kind, command.RequestId, command.Key, command.Value);
    }

    internal static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value.Length);
        value.CopyTo(destination.Slice(FrameFormat.StringLengthSize));
        return FrameFormat.StringLengthSize + value.Length;
    }

    private static int HeaderSize(ProtocolVersion version) =>
        version == ProtocolVersion.V1 ? FrameFormat.V1RequestHeaderSize : FrameFormat.V0RequestHeaderSize;

    private static CommandSpec Validate(ProtocolVersion version, CommandKind kind, int keyLength, int valueLength)
    {
        if (keyLength < 0 || valueLength < 0)
        {
            throw new ArgumentOutOfRangeException(keyLength < 0 ? nameof(keyLength) : nameof(valueLength), "A length cannot be negative.");
        }

        if (!FrameFormat.IsSupported(version))
        {
            throw new ArgumentOutOfRangeException(nameof(version), version, "Unsupported protocol version.");
        }

        var spec = CommandTable.Find(kind, version) ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown command in protocol version {(byte)version}.");
        if (!spec.HasKey && keyLength != 0)
        {
            throw new ArgumentException($"{spec.Name} carries no key; the key must be empty.", nameof(keyLength));
        }

        if (!spec.HasValue && valueLength != 0)
        {
            throw new ArgumentException($"{spec.Name} carries no value.", nameof(valueLength));
        }

        return spec;
    }
}
