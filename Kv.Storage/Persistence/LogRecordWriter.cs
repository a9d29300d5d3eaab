using System.Buffers.Binary;
using Kv.Storage;
using Kv.Storage.Records;

namespace Kv.Storage.Persistence;

/// <summary>Encodes log records (docs/persistence.md). The only code that writes the record format.</summary>
internal static class LogRecordWriter
{
    /// <summary>The encoded size of SET key value, header included (with an expiry when <paramref name="expiresAt"/> is not 0).</summary>
    public static int SetLength(int keyLength, int valueLength, long expiresAt = 0) =>
        checked(LogFormat.RecordHeaderSize + 1 + Varint.Size((uint)keyLength) + keyLength + Varint.Size((uint)valueLength) + valueLength
            + (expiresAt != 0 ? sizeof(long) : 0));

    /// <summary>The encoded size of an expiry change, header included.</summary>
    public static int ExpireLength(int keyLength) =>
        checked(LogFormat.RecordHeaderSize + 1 + Varint.Size((uint)keyLength) + keyLength + sizeof(long));

    /// <summary>The encoded size of CLEAR key, header included.</summary>
    public static int ClearLength(int keyLength) =>
        checked(LogFormat.RecordHeaderSize + 1 + Varint.Size((uint)keyLength) + keyLength);

    /// <summary>Writes SET key value into <paramref name="destination"/>, which must hold <see cref="SetLength"/> bytes.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteSet(Span<byte> destination, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt = 0)
    {
        var payload = destination.Slice(LogFormat.RecordHeaderSize);
        payload[0] = (byte)(expiresAt != 0 ? LogOperation.SetExpiring : LogOperation.Set);
        var position = 1 + Varint.Write(payload.Slice(1), (uint)key.Length);
        key.CopyTo(payload.Slice(position));
        position += key.Length;
        position += Varint.Write(payload.Slice(position), (uint)value.Length);
        value.CopyTo(payload.Slice(position));
        position += value.Length;
        if (expiresAt != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(payload.Slice(position), expiresAt);
            position += sizeof(long);
        }

        return Seal(destination, position);
    }

    /// <summary>Writes an expiry change (0: none) into <paramref name="destination"/>, which must hold <see cref="ExpireLength"/> bytes.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteExpire(Span<byte> destination, ReadOnlySpan<byte> key, long expiresAt)
    {
        var payload = destination.Slice(LogFormat.RecordHeaderSize);
        payload[0] = (byte)LogOperation.Expire;
        var position = 1 + Varint.Write(payload.Slice(1), (uint)key.Length);
        key.CopyTo(payload.Slice(position));
        position += key.Length;
        BinaryPrimitives.WriteInt64LittleEndian(payload.Slice(position), expiresAt);
        return Seal(destination, position + sizeof(long));
    }

    /// <summary>Writes CLEAR key into <paramref name="destination"/>, which must hold <see cref="ClearLength"/> bytes.</summary>
    /// <returns>The bytes written.</returns>
    public static int WriteClear(Span<byte> destination, ReadOnlySpan<byte> key)
    {
        var payload = destination.Slice(LogFormat.RecordHeaderSize);
        payload[0] = (byte)LogOperation.Clear;
        var position = 1 + Varint.Write(payload.Slice(1), (uint)key.Length);
        key.CopyTo(payload.Slice(position));
        position += key.Length;
        return Seal(destination, position);
    }

    // The length has a checksum of its own: a flipped length bit is then detected as damage where it is, instead
    // of sending the reader past the end of the file, where it would look like a torn tail and be truncated.
    private static int Seal(Span<byte> record, int payloadLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record.Slice(4), LogFormat.Checksum(record.Slice(0, 4)));
        BinaryPrimitives.WriteUInt32LittleEndian(record.Slice(8), LogFormat.Checksum(record.Slice(LogFormat.RecordHeaderSize, payloadLength)));
        return LogFormat.RecordHeaderSize + payloadLength;
    }
}
