using System.Buffers.Binary;

namespace Kv.Storage.Persistence;

/// <summary>What <see cref="LogRecordReader.TryRead"/> found at the start of its input.</summary>
internal enum LogReadStatus
{
    /// <summary>A whole, valid record.</summary>
    Complete,

    /// <summary>The input ends inside a record; the record needs the reported number of bytes.</summary>
    NeedMoreData,

    /// <summary>The length's checksum does not match: the record header is damaged or was never written whole.</summary>
    BadHeader,

    /// <summary>The payload's checksum does not match.</summary>
    BadChecksum,

    /// <summary>The checksums match but the payload is not a valid record (unknown operation, bad lengths).</summary>
    Malformed,
}

/// <summary>One decoded record; its key and value are slices of the reader's input.</summary>
internal readonly ref struct LogRecord(LogOperation operation, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt = 0)
{
    public LogOperation Operation { get; } = operation;

    public ReadOnlySpan<byte> Key { get; } = key;

    /// <summary>The value of a SET; empty for CLEAR.</summary>
    public ReadOnlySpan<byte> Value { get; } = value;

    /// <summary>SetExpiring and Expire: the expiry in Unix milliseconds (Expire: 0 for none); otherwise 0.</summary>
    public long ExpiresAt { get; } = expiresAt;
}

/// <summary>Decodes log records (docs/persistence.md). Never throws on bad input; never allocates.</summary>
internal static class LogRecordReader
{
    /// <summary>Checks a file header.</summary>
    /// <returns>Null when valid; otherwise why not, for a person.</returns>
    public static string? CheckFileHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < LogFormat.FileHeaderSize)
        {
            return $"it is shorter than the {LogFormat.FileHeaderSize}-byte log header";
        }

        if (!header.StartsWith(LogFormat.Magic))
        {
            return "it does not start with the Kv log signature (not a Kv log)";
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(12)) != LogFormat.Checksum(header.Slice(0, 12)))
        {
            return "its header fails its checksum";
        }

        var version = BinaryPrimitives.ReadUInt32LittleEndian(header.Slice(8));
        return version is >= LogFormat.OldestReadable and <= LogFormat.Version
            ? null
            : $"it is in log format version {version}; this server reads versions {LogFormat.OldestReadable} to {LogFormat.Version}";
    }

    /// <summary>Reads the record at the start of <paramref name="input"/>.</summary>
    /// <param name="input">Bytes from the start of a record.</param>
    /// <param name="record">The record, when <see cref="LogReadStatus.Complete"/>.</param>
    /// <param name="length">
    /// Complete and BadChecksum: the record's size (its header is sound, so its extent is known). NeedMoreData: the
    /// size the record needs (the header's size while the header is incomplete). Otherwise 0.
    /// </param>
    public static LogReadStatus TryRead(ReadOnlySpan<byte> input, out LogRecord record, out int length)
    {
        record = default;
        if (input.Length < LogFormat.RecordHeaderSize)
        {
            length = LogFormat.RecordHeaderSize;
            return LogReadStatus.NeedMoreData;
        }

        length = 0;
        var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(input);
        if (BinaryPrimitives.ReadUInt32LittleEndian(input.Slice(4)) != LogFormat.Checksum(input.Slice(0, 4)))
        {
            return LogReadStatus.BadHeader;
        }

        if (payloadLength is 0 or > LogFormat.MaxPayloadLength)
        {
            // The length is what was written (its checksum holds), and Kv never writes such a record.
            return LogReadStatus.Malformed;
        }

        var total = LogFormat.RecordHeaderSize + (int)payloadLength;
        if (input.Length < total)
        {
            length = total;
            return LogReadStatus.NeedMoreData;
        }

        var payload = input.Slice(LogFormat.RecordHeaderSize, (int)payloadLength);
        if (BinaryPrimitives.ReadUInt32LittleEndian(input.Slice(8)) != LogFormat.Checksum(payload))
        {
            length = total;
            return LogReadStatus.BadChecksum;
        }

        if (!TryDecode(payload, out record))
        {
            return LogReadStatus.Malformed;
        }

        length = total;
        return LogReadStatus.Complete;
    }

    private static bool TryDecode(ReadOnlySpan<byte> payload, out LogRecord record)
    {
        record = default;
        var operation = (LogOperation)payload[0];
        var position = 1;
        if (!TryReadString(payload, ref position, out var keyStart, out var keyLength))
        {
            return false;
        }

        switch (operation)
        {
            case LogOperation.Set:
            case LogOperation.SetExpiring:
                if (!TryReadString(payload, ref position, out var valueStart, out var valueLength))
                {
                    return false;
                }

                long expiresAt = 0;
                if (operation == LogOperation.SetExpiring)
                {
                    if (payload.Length - position != sizeof(long) || (expiresAt = BinaryPrimitives.ReadInt64LittleEndian(payload.Slice(position))) <= 0)
                    {
                        return false;
                    }

                    position += sizeof(long);
                }

                if (position != payload.Length)
                {
                    return false;
                }

                record = new LogRecord(operation, payload.Slice(keyStart, keyLength), payload.Slice(valueStart, valueLength), expiresAt);
                return true;
            case LogOperation.Expire:
                if (payload.Length - position != sizeof(long) || BinaryPrimitives.ReadInt64LittleEndian(payload.Slice(position)) < 0)
                {
                    return false;
                }

                record = new LogRecord(operation, payload.Slice(keyStart, keyLength), default, BinaryPrimitives.ReadInt64LittleEndian(payload.Slice(position)));
                return true;
            case LogOperation.Clear:
                if (position != payload.Length)
                {
                    return false;
                }

                record = new LogRecord(operation, payload.Slice(keyStart, keyLength), default);
                return true;
            default:
                return false;
        }
    }

    private static bool TryReadString(ReadOnlySpan<byte> payload, ref int position, out int start, out int length)
    {
        start = length = 0;
        if (!TryReadVarint(payload.Slice(position), out var value, out var size) || value > (uint)(payload.Length - position - size))
        {
            return false;
        }

        start = position + size;
        length = (int)value;
        position = start + length;
        return true;
    }

    // A bounded LEB128 read (Storage's Varint trusts its input; this input may be anything).
    private static bool TryReadVarint(ReadOnlySpan<byte> input, out uint value, out int size)
    {
        value = 0;
        for (var i = 0; i < 5 && i < input.Length; i++)
        {
            var b = input[i];
            if (i == 4 && b > 0x0F)
            {
                break; // more than 32 bits
            }

            value |= (uint)(b & 0x7F) << (7 * i);
            if (b < 0x80)
            {
                size = i + 1;
                return true;
            }
        }

        size = 0;
        return false;
    }
}
