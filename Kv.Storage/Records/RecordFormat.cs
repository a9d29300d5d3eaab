using System.Runtime.CompilerServices;

namespace Kv.Storage.Records;

/// <summary>
/// The layout of one record in a page: <c>varint (keyLength &lt;&lt; 1 | expires), varint valueLength, [i64 expiry],
/// key, value</c>. The expiry flag rides in the key length's low bit, so a record without an expiry pays nothing for
/// the feature (a key of 64 bytes or more pays one byte), and one with an expiry pays its 8 bytes: the time, in the
/// store's monotonic milliseconds (<see cref="Expiry.StoreClock"/>), at which the key stops existing.
/// </summary>
internal static unsafe class RecordFormat
{
    /// <summary>The expiry of a record that has none.</summary>
    public const long NoExpiry = long.MaxValue;

    /// <summary>The bytes an expiry takes in a record.</summary>
    public const int ExpirySize = sizeof(long);

    public static int SizeOf(int keyLength, int valueLength, bool expires) =>
        checked(Varint.Size(((uint)keyLength << 1) | 1) + Varint.Size((uint)valueLength) + (expires ? ExpirySize : 0) + keyLength + valueLength);

    /// <summary>Writes a record at <paramref name="record"/>, which must have <see cref="SizeOf"/> bytes.</summary>
    public static void Write(byte* record, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, long expiresAt)
    {
        var expires = expiresAt != NoExpiry;
        var header = Varint.Write(new Span<byte>(record, Varint.MaxSize), ((uint)key.Length << 1) | (expires ? 1u : 0u));
        header += Varint.Write(new Span<byte>(record + header, Varint.MaxSize), (uint)value.Length);
        if (expires)
        {
            Unsafe.WriteUnaligned(record + header, expiresAt);
            header += ExpirySize;
        }

        key.CopyTo(new Span<byte>(record + header, key.Length));
        value.CopyTo(new Span<byte>(record + header + key.Length, value.Length));
    }

    /// <summary>Reads a record's header.</summary>
    /// <returns>The header's length (the expiry included); the key follows it, then the value.</returns>
    public static int ReadHeader(byte* record, out int keyLength, out int valueLength)
    {
        var first = Varint.Read(record, out var firstSize);
        keyLength = (int)(first >> 1);
        valueLength = (int)Varint.Read(record + firstSize, out var secondSize);
        return firstSize + secondSize + ((first & 1) != 0 ? ExpirySize : 0);
    }

    /// <summary>The record's expiry, or <see cref="NoExpiry"/>.</summary>
    public static long ExpiryOf(byte* record)
    {
        if ((record[0] & 1) == 0)
        {
            return NoExpiry;
        }

        Varint.Read(record, out var firstSize);
        Varint.Read(record + firstSize, out var secondSize);
        return Unsafe.ReadUnaligned<long>(record + firstSize + secondSize);
    }

    /// <summary>Changes the expiry of a record that has one, in place.</summary>
    public static void SetExpiry(byte* record, long expiresAt)
    {
        Varint.Read(record, out var firstSize);
        Varint.Read(record + firstSize, out var secondSize);
        Unsafe.WriteUnaligned(record + firstSize + secondSize, expiresAt);
    }

    /// <summary>The size of the record at <paramref name="record"/>.</summary>
    public static int SizeAt(byte* record)
    {
        var header = ReadHeader(record, out var keyLength, out var valueLength);
        return header + keyLength + valueLength;
    }
}
