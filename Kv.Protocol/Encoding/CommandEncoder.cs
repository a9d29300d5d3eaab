using System.Buffers;
using System.Buffers.Binary;

namespace Kv.Protocol;

/// <summary>
/// Encodes commands (requests) of protocol versions 0 and 1, each argument as <see cref="CommandTable"/> declares it.
/// The exact size is known up front (<see cref="GetEncodedLength"/>); encoding writes straight into the destination and
/// never allocates. Bad arguments from the caller (an unknown command, a key on PING, flags on GET) throw: they are
/// programming errors, not input. Option bits and times are encoded as given, without
/// <see cref="CommandOptions.Validate"/>: judging them is the server's part.
/// </summary>
public static class CommandEncoder
{
    /// <summary>The exact number of bytes <see cref="Encode(Span{byte}, ProtocolVersion, CommandKind, uint, ReadOnlySpan{byte}, ReadOnlySpan{byte}, ushort, long)"/> writes.</summary>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="keyLength">The key's length (0 for PING).</param>
    /// <param name="valueLength">The value's or PING message's length (0 for a command without either).</param>
    public static int GetEncodedLength(ProtocolVersion version, CommandKind kind, int keyLength, int valueLength)
    {
        var spec = Validate(version, kind, keyLength, valueLength, 0, 0);
        return EncodedLength(version, spec, keyLength, valueLength);
    }

    /// <summary>Encodes a command without option bits or time into <paramref name="destination"/> and returns the number of bytes written.</summary>
    /// <param name="destination">Where to write; at least <see cref="GetEncodedLength"/> bytes.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="requestId">The request id (version 1; ignored by version 0, which has none).</param>
    /// <param name="key">The key; must be empty for PING.</param>
    /// <param name="value">The value of SET and SETX or message of PING; must be empty for the others.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small, or the arguments do not fit the command.</exception>
    public static int Encode(Span<byte> destination, ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        Encode(destination, version, kind, requestId, key, value, 0, 0);

    /// <summary>Encodes a command into <paramref name="destination"/> and returns the number of bytes written.</summary>
    /// <param name="destination">Where to write; at least <see cref="GetEncodedLength"/> bytes.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="requestId">The request id (version 1; ignored by version 0, which has none).</param>
    /// <param name="key">The key; must be empty for PING.</param>
    /// <param name="value">The value of SET and SETX or message of PING; must be empty for the others.</param>
    /// <param name="flags">The option bits of SETX, EXPIRE and GETEX; must be 0 for the others.</param>
    /// <param name="time">The time of SETX, EXPIRE and GETEX, in milliseconds; must be 0 for the others.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small, or the arguments do not fit the command.</exception>
    public static int Encode(Span<byte> destination, ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ushort flags, long time)
    {
        var spec = Validate(version, kind, key.Length, value.Length, flags, time);
        var length = EncodedLength(version, spec, key.Length, value.Length);
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

        foreach (var role in spec.Roles)
        {
            switch (role)
            {
                case ArgumentRole.Key or ArgumentRole.User:
                    position += WriteString(destination.Slice(position), key);
                    break;
                case ArgumentRole.Flags:
                    BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(position), flags);
                    position += FrameFormat.FlagsSize;
                    break;
                case ArgumentRole.Time:
                    BinaryPrimitives.WriteInt64BigEndian(destination.Slice(position), time);
                    position += FrameFormat.TimeSize;
                    break;
                default:
                    position += WriteString(destination.Slice(position), value);
                    break;
            }
        }

        return position;
    }

    /// <summary>Encodes a command without option bits or time into <paramref name="writer"/> (one <c>GetSpan</c>, one <c>Advance</c>) and returns its length.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="requestId">The request id (version 1; ignored by version 0).</param>
    /// <param name="key">The key; must be empty for PING.</param>
    /// <param name="value">The value of SET and SETX or message of PING; must be empty for the others.</param>
    public static int Encode(IBufferWriter<byte> writer, ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
        Encode(writer, version, kind, requestId, key, value, 0, 0);

    /// <summary>Encodes a command into <paramref name="writer"/> (one <c>GetSpan</c>, one <c>Advance</c>) and returns its length.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="version">The protocol version.</param>
    /// <param name="kind">The command.</param>
    /// <param name="requestId">The request id (version 1; ignored by version 0).</param>
    /// <param name="key">The key; must be empty for PING.</param>
    /// <param name="value">The value of SET and SETX or message of PING; must be empty for the others.</param>
    /// <param name="flags">The option bits of SETX, EXPIRE and GETEX; must be 0 for the others.</param>
    /// <param name="time">The time of SETX, EXPIRE and GETEX, in milliseconds; must be 0 for the others.</param>
    public static int Encode(IBufferWriter<byte> writer, ProtocolVersion version, CommandKind kind, uint requestId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ushort flags, long time)
    {
        if (writer is null)
        {
            throw new ArgumentNullException(nameof(writer));
        }

        var length = EncodedLength(version, Validate(version, kind, key.Length, value.Length, flags, time), key.Length, value.Length);
        Encode(writer.GetSpan(length), version, kind, requestId, key, value, flags, time);
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

        return Encode(writer, command.Version, command.Kind, command.RequestId, command.Key, command.Value, command.Flags, command.Time);
    }

    /// <summary>Encodes an owned <see cref="Command"/> into <paramref name="destination"/> and returns its length.</summary>
    public static int Encode(Span<byte> destination, Command command)
    {
        if (command is null)
        {
            throw new ArgumentNullException(nameof(command));
        }

        return Encode(destination, command.Version, command.Kind, command.RequestId, command.Key, command.Value, command.Flags, command.Time);
    }

    internal static int WriteString(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)value.Length);
        value.CopyTo(destination.Slice(FrameFormat.StringLengthSize));
        return FrameFormat.StringLengthSize + value.Length;
    }

    private static int EncodedLength(ProtocolVersion version, CommandSpec spec, int keyLength, int valueLength)
    {
        long length = HeaderSize(version) + (long)spec.FixedSize + keyLength + valueLength;
        if (length > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(valueLength), "The encoded command would exceed 2 GiB.");
        }

        return (int)length;
    }

    private static int HeaderSize(ProtocolVersion version) =>
        version == ProtocolVersion.V1 ? FrameFormat.V1RequestHeaderSize : FrameFormat.V0RequestHeaderSize;

    private static CommandSpec Validate(ProtocolVersion version, CommandKind kind, int keyLength, int valueLength, ushort flags, long time)
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

        if (!spec.HasFlags && flags != 0)
        {
            throw new ArgumentException($"{spec.Name} carries no option bits; the flags must be 0.", nameof(flags));
        }

        if (!spec.HasTime && time != 0)
        {
            throw new ArgumentException($"{spec.Name} carries no time; the time must be 0.", nameof(time));
        }

        return spec;
    }
}
