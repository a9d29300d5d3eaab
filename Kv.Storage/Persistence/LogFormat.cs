using System.Buffers.Binary;
using System.IO.Hashing;

namespace Kv.Storage.Persistence;

/// <summary>
/// The constants of the append-only log's format (docs/persistence.md): a 16-byte file header, then records of
/// <c>u32 payloadLength · u32 crc32c(length bytes) · u32 crc32c(payload) · payload</c>, little-endian.
/// </summary>
internal static class LogFormat
{
    /// <summary>
    /// The format version written in the file header. Version 2 added the expiry records; a reader takes 1 and 2 (a
    /// version-1 file is a version-2 file without them) and refuses any other.
    /// </summary>
    public const uint Version = 2;

    /// <summary>The oldest format version a reader takes.</summary>
    public const uint OldestReadable = 1;

    /// <summary>Magic (8 bytes), format version (u32), CRC32C of those 12 bytes (u32).</summary>
    public const int FileHeaderSize = 16;

    /// <summary>Payload length, CRC32C of the length's 4 bytes, CRC32C of the payload.</summary>
    public const int RecordHeaderSize = 12;

    /// <summary>
    /// The largest payload a reader accepts. Records are made from frames of at most 2 GiB, so a longer length
    /// with a valid checksum cannot have been written by Kv.
    /// </summary>
    public const int MaxPayloadLength = int.MaxValue - RecordHeaderSize - 64;

    /// <summary>
    /// "KvLog\r\n" and 0x1A: the CR LF pair and the DOS end-of-file byte make a file that went through a text-mode
    /// transfer fail the check at once, as PNG's signature does.
    /// </summary>
    public static ReadOnlySpan<byte> Magic => [0x4B, 0x76, 0x4C, 0x6F, 0x67, 0x0D, 0x0A, 0x1A];

    /// <summary>CRC32C (Castagnoli), the checksum of every checked field.</summary>
    public static uint Checksum(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);

    public static void WriteFileHeader(Span<byte> destination)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(8), Version);
        BinaryPrimitives.WriteUInt32LittleEndian(destination.Slice(12), Checksum(destination.Slice(0, 12)));
    }
}

/// <summary>What a log record does; the first byte of its payload.</summary>
internal enum LogOperation : byte
{
    /// <summary>SET key value.</summary>
    Set = 1,

    /// <summary>CLEAR key (written only when the key existed; also for a key that expired or was evicted).</summary>
    Clear = 2,

    /// <summary>SET key value with an expiry: the key, the value, then the expiry as an i64 of Unix milliseconds.</summary>
    SetExpiring = 3,

    /// <summary>The key's expiry changed: the key, then the new expiry as an i64 of Unix milliseconds, 0 for none.</summary>
    Expire = 4,
}
